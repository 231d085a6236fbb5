"""The MNIST page through AppTest: a small subset and one epoch."""
import io
import pickle

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from nncore.models.checkpoints import checkpoint_bytes
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def trained():
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300).run()
    at.switch_page("app_pages/mnist.py").run()
    assert not at.exception
    at.toggle(key="advanced_settings").set_value(True).run()      # batch size, learning rate, image count
    at.number_input(key="cnn_limit_train").set_value(600)
    at.number_input(key="cnn_epochs").set_value(1)
    next(b for b in at.button if b.label.startswith("Train")).click().run()
    assert not at.exception
    return at


def active(at):
    return at.session_state["cnn_models"][at.session_state["cnn_active"]]


def uploader(at, key):
    return next(u for u in at.get("file_uploader") if u.proto.id.endswith(key) or key in u.proto.id)


def test_training_shows_results(trained):
    at = trained
    labels = [m.label for m in at.metric]
    assert "Test accuracy" in labels
    assert active(at).result.n_train == 600
    assert active(at).report.accuracy > 0.3                 # one epoch on 600 real digits learns
    assert len(at.get("plotly_chart")) >= 7                    # curves, confusion, classes, grids, maps
    assert at.get("graphviz_chart") and at.dataframe           # the architecture diagram and table


def test_checkpoint_uploaded_back_gives_the_same_predictions(trained):
    at = trained
    first = active(at)
    raw = checkpoint_bytes(first.model, {"dataset": "mnist"})
    uploader(at, "cnn_upload").set_value(("mine.safetensors", raw, "application/octet-stream")).run()
    assert not at.exception and not at.error
    second = active(at)
    assert second is not first and second.label.startswith("uploaded")
    np.testing.assert_array_equal(second.report.pred, first.report.pred)
    np.testing.assert_allclose(second.report.proba, first.report.proba, atol=1e-6)


class Exploit:
    def __reduce__(self):
        return (exec, ("import pathlib; pathlib.Path('PWNED').write_text('x')",))


def test_a_pickled_checkpoint_is_refused_with_a_message(trained, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    at = trained
    uploader(at, "cnn_upload").set_value(("model.pt", pickle.dumps(Exploit()), "application/octet-stream")).run()
    assert not at.exception
    assert any("not a safetensors file" in e.value for e in at.error)
    assert not (tmp_path / "PWNED").exists()
    uploader(at, "cnn_upload").set_value(None).run()


def png(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG")
    return buf.getvalue()


def test_an_uploaded_photo_is_classified(trained):
    at = trained
    img = np.full((200, 200), 255, np.uint8)                   # dark ink on white paper: a "1"
    img[30:170, 90:110] = 0
    uploader(at, "digit_upload").set_value(("one.png", png(img), "image/png")).run()
    assert not at.exception
    assert any(s.value.startswith("Prediction:") for s in at.subheader)


@pytest.mark.parametrize("name,raw,message", [
    ("notes.png", b"hello, I am text", "not a PNG or JPEG"),
    ("big.png", png(np.zeros((10, 10), np.uint8)) + bytes(3 * 1024 * 1024), "limit"),
])
def test_bad_images_are_refused(trained, name, raw, message):
    at = trained
    uploader(at, "digit_upload").set_value((name, raw, "image/png")).run()
    assert not at.exception
    assert any(message in e.value for e in at.error)
    uploader(at, "digit_upload").set_value(None).run()


@pytest.mark.skipif(not __import__("nncore.data.images").data.images.SYSTEM_FASHION_DIR.is_dir(),
                    reason="needs Debian's dataset-fashion-mnist")
def test_fashion_mnist_trains_on_all_60000_images():
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300).run()
    at.switch_page("app_pages/mnist.py").run()
    at.radio(key="cnn_dataset").set_value("fashion-mnist").run()
    assert any("60,000 training" in c.value for c in at.caption)
    next(b for b in at.button if b.label.startswith("Train")).click().run()
    assert not at.exception
    result = active(at).result
    assert result.n_train == 60000 and active(at).dataset == "fashion-mnist"
    assert active(at).report.accuracy > 0.8
