import pickle

import numpy as np
import pytest
import torch

from nncore.data import images as imagedata
from nncore.data.images import load_images
from nncore.engine.cnn import train_cnn
from nncore.models.checkpoints import checkpoint_bytes, load_checkpoint, load_checkpoint_bytes, save_checkpoint
from nncore.models.cnn import CNNConfig, SeedCNN, evaluate, layer_table, new_model, predict_log_proba


def test_loads_an_idx_set_from_the_local_folder(idx_root):
    d = load_images("mnist", idx_root, download=False)
    assert d.source == "local"
    assert (d.n_train, d.n_test) == (600, 200)
    assert d.train_images.dtype == torch.uint8 and d.train_images.shape == (600, 28, 28)
    assert d.train_labels.dtype == torch.int64 and int(d.train_labels.max()) <= 9


def test_offline_subset_when_nothing_else_answers(tmp_path):
    d = load_images("mnist", tmp_path, download=False)
    assert d.source == "offline-subset"
    assert (d.n_train, d.n_test) == (4000, 1000)
    assert torch.bincount(d.test_labels).tolist() == [100] * 10      # stratified


def test_fashion_from_the_system_copy(tmp_path):
    if not imagedata.SYSTEM_FASHION_DIR.is_dir():
        pytest.skip("Debian's dataset-fashion-mnist is not installed")
    d = load_images("fashion-mnist", tmp_path, download=False)
    assert d.source == "system" and (d.n_train, d.n_test) == (60000, 10000)
    assert d.classes[9] == "Ankle boot"


def test_no_source_gives_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(imagedata, "SYSTEM_FASHION_DIR", tmp_path / "nothing")
    with pytest.raises(RuntimeError, match="apt-get install dataset-fashion-mnist"):
        load_images("fashion-mnist", tmp_path, download=False)
    with pytest.raises(ValueError, match="dataset"):
        load_images("cifar", tmp_path)


def test_seed_cnn_has_the_seeds_layers():
    m = SeedCNN()
    assert m(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    assert sum(p.numel() for p in m.parameters()) == sum(r["parameters"] for r in layer_table())
    assert [type(x).__name__ for x in m.children()] == ["Conv2d", "Conv2d", "SeededDropout2d", "Linear", "Linear"]
    assert isinstance(m.dropout, torch.nn.Dropout2d) and m.dropout.p == 0.5
    assert list(m.state_dict()) == ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight",
                                    "fc1.bias", "fc2.weight", "fc2.bias"]     # checkpoints rely on these keys


@pytest.mark.parametrize("recipe", ["seed", "fast"])
def test_one_short_epoch_lowers_the_loss(idx_root, recipe):
    d = load_images("mnist", idx_root, download=False)
    model = SeedCNN()
    before, _ = evaluate(model, d.test_images, d.test_labels)
    batches = []
    r = train_cnn(d, CNNConfig(epochs=1, recipe=recipe, limit_train=400, batch_size=32, learning_rate=3e-3),
                  model=model, on_batch=lambda done, total, loss: batches.append((done, total)))
    assert r.history.epochs_run == 1 and r.n_train == 400
    assert r.test_loss < before * 0.8
    assert batches[-1] == (13, 13)
    assert r.images_per_second > 0


def test_evaluation_averages_the_loss_per_image(idx_root):
    d = load_images("mnist", idx_root, download=False)
    model = SeedCNN().eval()
    loss, acc = evaluate(model, d.test_images, d.test_labels)
    logp = predict_log_proba(model, d.test_images)
    manual = -logp[torch.arange(len(d.test_labels)), d.test_labels].mean().item()
    assert loss == pytest.approx(manual, rel=1e-5)


def test_stop_keeps_the_model_trained_so_far(idx_root):
    d = load_images("mnist", idx_root, download=False)
    before = new_model(0).state_dict()["fc1.weight"]                     # the config's seed is 0
    r = train_cnn(d, CNNConfig(epochs=3, limit_train=300, batch_size=50),
                  on_batch=lambda done, total, loss: done == 4)
    assert r.history.status == "stopped" and r.history.epochs_run == 0     # 4 of epoch 1's 6 batches
    assert not torch.equal(r.model.state_dict()["fc1.weight"], before)
    assert 0.0 <= r.test_accuracy <= 1.0


def test_checkpoint_roundtrip_gives_the_same_predictions(tmp_path, idx_root):
    d = load_images("mnist", idx_root, download=False)
    model = train_cnn(d, CNNConfig(epochs=1, limit_train=200)).model
    path = save_checkpoint(tmp_path / "m.safetensors", model, {"dataset": "mnist", "test_accuracy": 0.5})
    loaded, meta = load_checkpoint(path)
    assert meta["dataset"] == "mnist" and meta["test_accuracy"] == 0.5
    torch.testing.assert_close(predict_log_proba(model, d.test_images), predict_log_proba(loaded, d.test_images))


class Boom:
    def __reduce__(self):
        return (exec, ("import pathlib; pathlib.Path('PWNED').write_text('x')",))


def test_pickled_checkpoint_is_refused_and_runs_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for raw in (pickle.dumps(Boom()), pickle.dumps({"conv1.weight": Boom()}, protocol=2)):
        with pytest.raises(ValueError, match="not a safetensors file"):
            load_checkpoint_bytes(raw)
    assert not (tmp_path / "PWNED").exists()


def test_wrong_shapes_keys_and_garbage_are_refused():
    from safetensors.torch import save
    good = {k: v for k, v in SeedCNN().state_dict().items()}
    bad_shape = dict(good, **{"fc2.weight": torch.zeros(5, 100)})
    with pytest.raises(ValueError, match="shape"):
        load_checkpoint_bytes(save(bad_shape))
    with pytest.raises(ValueError, match="missing"):
        load_checkpoint_bytes(save({"x": torch.zeros(1)}))
    with pytest.raises(ValueError, match="safetensors"):
        load_checkpoint_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    nan = dict(good, **{"fc2.bias": torch.full((10,), float("nan"))})
    with pytest.raises(ValueError, match="NaN"):
        load_checkpoint_bytes(save(nan))
    assert load_checkpoint_bytes(checkpoint_bytes(SeedCNN()))[0] is not None


def test_relu_after_pooling_computes_the_seeds_function():
    import torch.nn.functional as F
    m = SeedCNN().eval()
    x = torch.randn(8, 1, 28, 28)
    seed_order = F.max_pool2d(F.relu(m.conv2(F.max_pool2d(F.relu(m.conv1(x)), 2))), 2)
    seed_out = F.log_softmax(m.fc2(F.relu(m.fc1(torch.flatten(seed_order, 1)))), dim=1)
    torch.testing.assert_close(m(x), seed_out)


def test_a_drawing_becomes_mnist_style():
    from nncore.data.digits import mnist_style
    ink = np.zeros((280, 280))
    ink[50:70, 60:220] = 1.0                                       # a 7: the bar...
    ink[60:240, 200:220] = 1.0                                     # ...and the stem
    x = mnist_style(ink)
    assert x.shape == (28, 28) and x.dtype == np.float32
    rows, cols = np.nonzero(x > 0.2)
    assert rows.max() - rows.min() <= 21 and cols.max() - cols.min() <= 21   # fits the 20x20 box
    cy, cx = np.average(np.indices(x.shape), axis=(1, 2), weights=x)
    assert abs(cy - 14) < 1.0 and abs(cx - 14) < 1.0                # centred by mass
    assert mnist_style(np.zeros((50, 50))).max() == 0.0
