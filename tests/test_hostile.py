"""Hostile and broken input: every entry point refuses bad values, and users never see tracebacks."""
import tomllib

import pytest
import torch
from streamlit.testing.v1 import AppTest

import nncore.engine.toy
from nncore.data.digits import mnist_style, read_upload
from nncore.data.images import load_images
from nncore.data.toy import DataConfig, load_toy
from nncore.lineup.comparison import compare
from nncore.models.checkpoints import load_checkpoint_bytes
from nncore.models.cnn import CNNConfig, pick_device
from nncore.models.registry import ModelSpec, preset
from nncore.models.scratch import ScratchConfig, ScratchNetwork
from nncore.urlstate import decode
from tests.conftest import ROOT


def test_streamlit_config_is_locked_down():
    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert cfg["server"]["enableXsrfProtection"] is True
    assert 0 < cfg["server"]["maxUploadSize"] <= 10            # megabytes
    assert cfg["client"]["showErrorDetails"] == "none"


@pytest.mark.parametrize("call", [
    lambda: load_toy(DataConfig(n_samples=-1)),
    lambda: compare(DataConfig(), []),
    lambda: compare(DataConfig(), [ModelSpec("x", ScratchConfig(epochs=0))]),
    lambda: ScratchNetwork(ScratchConfig(), 2, 1),
    lambda: ModelSpec("x", {"epochs": 3}),
    lambda: load_images("imagenet"),
    lambda: CNNConfig(epochs=10**6),
    lambda: CNNConfig(recipe="fast", batch_size=-1),
    lambda: preset("../../etc/passwd"),
    lambda: load_checkpoint_bytes(b""),
    lambda: read_upload(b"GIF89a" + bytes(20)),
    lambda: mnist_style(torch.zeros(2, 2, 2, 2).numpy()),
], ids=["toy", "empty-lineup", "bad-epochs", "one-class", "raw-dict", "dataset", "cnn-epochs",
        "cnn-batch", "preset", "empty-checkpoint", "gif", "image-shape"])
def test_entry_points_reject_bad_input_with_value_error(call):
    with pytest.raises(ValueError):
        call()


@pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA present: asking for it is fine")
def test_asking_for_cuda_without_it_is_a_value_error():
    with pytest.raises(ValueError, match="CUDA"):
        pick_device("cuda")


def test_url_decoding_never_raises_on_garbage():
    for params in ({"noise": "nan"}, {"noise": "Infinity"}, {"samples": "1" * 500}, {"models": "{" * 1000},
                   {"models": '[{"framework": "numpy", "config": {"hidden": [1e9]}}]'},
                   {"models": '[' + ','.join(['{"framework": "numpy"}'] * 50) + ']'}):
        data, lineup, notices = decode(params)
        assert notices and 1 <= len(lineup) <= 6


def test_an_error_inside_training_shows_a_message_and_the_page_stays_usable(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the trainer caught fire")
    monkeypatch.setattr(nncore.engine.toy.Training, "advance", broken)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120).run()
    at.switch_page("app_pages/moons.py").run()
    next(b for b in at.button if b.label.startswith("Train")).click().run()
    assert not at.exception
    assert any("Training failed" in e.value and "caught fire" in e.value for e in at.error)
    monkeypatch.undo()
    next(b for b in at.button if b.label.startswith("Train")).click().run()   # still usable
    assert not at.exception and at.dataframe
