"""The MNIST page through AppTest: a small subset and one epoch."""
import io
import pickle

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from app_pages import session
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


def mnist_state(at) -> session.MnistState:
    """The session's MNIST page record, as the page keeps it."""
    return session.mnist(at.session_state)


def active(at):
    state = mnist_state(at)
    return state.models[state.active[at.radio(key=session.CNN_DATASET).value]]


def uploader(at, key):
    return next(u for u in at.get("file_uploader") if u.proto.id.endswith(key) or key in u.proto.id)


def open_tab(at, label):
    at.session_state[session.MNIST_TAB] = label
    return at.run()


def test_training_moves_to_results(trained):
    at = trained
    assert at.session_state[session.MNIST_TAB] == "Results"          # the live chart gave way to the results
    labels = [m.label for m in at.metric]
    assert "Test accuracy" in labels
    assert active(at).result.n_train == 600
    assert active(at).report.accuracy > 0.3                 # one epoch on 600 real digits learns
    assert len(at.get("plotly_chart")) >= 5                    # curves, confusion, classes, two grids
    assert not any(b.label == "Stop training" for b in at.button)


def test_the_trained_cnn_goes_home_as_code(trained):
    """Results offer the training as a script and a notebook, written from the settings it trained with."""
    at = trained
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Training as a script (.py)" in labels and "Training as a notebook (.ipynb)" in labels
    config = active(at).config
    assert config is not None and config.limit_train == 600 and config.epochs == 1


def test_only_the_open_tab_runs(trained):
    at = open_tab(trained, "Train")
    assert at.get("graphviz_chart") and at.dataframe           # the architecture diagram and table
    assert not at.metric
    at = open_tab(at, "Inside the network")
    assert not at.exception and len(at.get("image")) >= 3 and at.number_input(key="cnn_index")
    at.number_input(key="cnn_index").set_value(3).run()
    assert ("mnist", 3) in active(at)._maps                    # painted once, kept for the next visit
    at = open_tab(at, "Try it")
    assert not at.exception and any("Nothing drawn" in i.value for i in at.info)


def test_checkpoint_uploaded_back_gives_the_same_predictions(trained):
    at = open_tab(trained, "Train")
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
    at = open_tab(trained, "Train")
    uploader(at, "cnn_upload").set_value(("model.pt", pickle.dumps(Exploit()), "application/octet-stream")).run()
    assert not at.exception
    assert any("not a safetensors file" in e.value for e in at.error)
    assert not (tmp_path / "PWNED").exists()
    uploader(at, "cnn_upload").set_value(None).run()


def png(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG")
    return buf.getvalue()


def test_an_uploaded_photo_overrides_the_drawing_and_says_so(trained):
    at = open_tab(trained, "Try it")
    img = np.full((200, 200), 170, np.uint8)                   # dark ink on grey paper: a "1"
    img[30:170, 90:110] = 20
    uploader(at, "digit_upload").set_value(("one.png", png(img), "image/png")).run()
    assert not at.exception
    assert any(s.value.startswith("Prediction:") for s in at.subheader)          # a 1-epoch model: any class
    assert any("Using the uploaded photo" in i.value for i in at.info)
    uploader(at, "digit_upload").set_value(None).run()
    assert not any("Using the uploaded photo" in i.value for i in at.info)
    assert any("Nothing drawn" in i.value for i in at.info)    # back to the (empty) drawing


@pytest.mark.parametrize("name,raw,message", [
    ("notes.png", b"hello, I am text", "not a PNG or JPEG"),
    ("big.png", png(np.zeros((10, 10), np.uint8)) + bytes(3 * 1024 * 1024), "limit"),
])
def test_bad_images_are_refused(trained, name, raw, message):
    at = open_tab(trained, "Try it")
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


def test_a_model_stays_with_the_data_set_it_was_trained_on(trained):
    at = open_tab(trained, "Try it")
    at.radio(key="cnn_dataset").set_value("fashion-mnist").run()
    assert not at.exception and not at.metric
    note = " ".join(i.value for i in at.info)
    assert "No model trained on Fashion-MNIST yet" in note and "Your MNIST digits model is kept" in note
    at.radio(key="cnn_dataset").set_value("mnist").run()
    assert active(at).dataset == "mnist" and not at.exception


def test_a_stopped_model_is_labelled_and_the_same_settings_train_anew():
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300).run()
    at.switch_page("app_pages/mnist.py").run()
    at.toggle(key="advanced_settings").set_value(True).run()
    at.number_input(key="cnn_limit_train").set_value(600)
    at.number_input(key="cnn_epochs").set_value(1)
    from nncore.data.images import load_images
    from nncore.models.cnn import CNNConfig
    from nncore.records import mnist as cnn_study
    config = CNNConfig(dataset="mnist", epochs=1, limit_train=600)
    run = cnn_study.start_run(config, load_images("mnist"))
    run.training.advance(batches=1)
    stopped = run.stopped()                                   # as a Stop click leaves it
    assert stopped.result.status == "stopped" and "(stopped at epoch 1 of 1)" in stopped.label
    mnist_state(at).models = {run.key: stopped}
    mnist_state(at).active = {"mnist": run.key}
    next(b for b in at.button if b.label.startswith("Train")).click().run()
    assert not at.exception
    assert active(at).result.status == "ok" and "stopped" not in active(at).label   # trained anew


def test_a_cnn_training_over_the_budget_is_refused_before_it_starts(monkeypatch):
    import app_pages.chrome as chrome
    monkeypatch.setattr(chrome, "BUDGET_SECONDS", 0.5)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300).run()
    at.switch_page("app_pages/mnist.py").run()
    at.number_input(key="cnn_epochs").set_value(30)
    next(b for b in at.button if b.label.startswith("Train")).click().run()
    assert not at.exception and not mnist_state(at).models
    message = at.error[0].value
    assert "Over the compute budget" in message and "lower the epochs (30 → at most" in message


def test_the_training_form_lives_in_the_link():
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300)
    for key, value in {"epochs": "1", "recipe": "seed", "limit_train": "600", "classroom": "1"}.items():
        at.query_params[key] = value
    at.run()
    at.switch_page("app_pages/mnist.py").run()               # classroom mode: advanced settings not shown
    assert at.number_input(key="cnn_epochs").value == 1 and at.selectbox(key="cnn_recipe").value == "seed"
    at.number_input(key="cnn_epochs").set_value(2)
    next(b for b in at.button if b.label.startswith("Train")).click().run()
    assert not at.exception
    link = {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}
    assert link["epochs"] == "2" and link["recipe"] == "seed" and link["limit_train"] == "600"
    assert link.get("classroom") == "1"                       # the view keys stay in the link
    assert mnist_state(at).models                             # and the run used limit_train 600 from the link
    assert next(iter(mnist_state(at).models.values())).result.n_train == 600


def test_a_bad_value_in_the_link_falls_back_with_a_notice():
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300)
    at.query_params["epochs"] = "1e9"
    at.run()
    at.switch_page("app_pages/mnist.py").run()
    assert not at.exception and any("Ignored" in w.value and "epochs" in w.value for w in at.warning)

