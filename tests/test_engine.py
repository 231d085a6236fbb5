"""The training engine: chunked == one-shot for every family, cancel, frames, estimates, optimizers."""
import threading
import time

import numpy as np
import pytest
import torch

from nncore.core.optimizers import SGD, Adam, Momentum, make_optimizer
from nncore.data.toy import DataConfig, Mesh, load_toy
from nncore.engine.toy import Training
from nncore.models.base import Classifier2D
from nncore.models.registry import FAMILIES, ModelSpec, build_model
from nncore.models.scratch import ScratchConfig
from nncore.models.sklearn_mlp import SklearnConfig
from nncore.models.torch_mlp import TorchMLPConfig

SMALL = {
    "numpy": ScratchConfig(epochs=12, batch_size=32),
    "numpy-adam": ScratchConfig(epochs=12, batch_size=16, optimizer="adam", learning_rate=0.01),
    "torch": TorchMLPConfig(epochs=12, batch_size=64),            # batch norm and dropout on: both random
    "sklearn": SklearnConfig(epochs=12, batch_size=32),
}


@pytest.fixture(scope="module")
def small():
    return load_toy(DataConfig(n_samples=300, noise=0.2))


def weights(model):
    return [w.copy() for pair in model.layer_weights for w in pair]


def history_lists(h):
    return [h.epoch, h.train_loss, h.train_accuracy, h.val_loss, h.val_accuracy]


@pytest.mark.parametrize("which", list(SMALL))
def test_many_small_advances_equal_one_advance_to_the_end(small, which):
    spec = ModelSpec(which, SMALL[which])
    mesh = Mesh.for_data(small, 12)
    one = Training(spec, small, mesh)
    one.advance(spec.config.epochs)
    chunked = Training(spec, small, mesh, hidden=True)
    frames = [chunked.advance(k) for k in (1, 2, 1, 3, 5, 4)]    # more than enough; frames predict in between
    assert one.done and chunked.done and chunked.status == "ok"
    assert [f.epoch for f in frames] == [1, 3, 4, 7, 12, 12]
    for a, b in zip(weights(one.model), weights(chunked.model)):
        assert np.array_equal(a, b)                               # bit for bit
    assert history_lists(one.model.history_) == history_lists(chunked.model.history_)


def test_every_toy_family_follows_the_protocol(small):
    for framework, family in FAMILIES.items():
        config = family.config().replace(**{family.stages: 2}) if family.stages else family.config()
        model = build_model(ModelSpec(framework, config), 2, 2)
        assert isinstance(model, Classifier2D), framework
        history = model.fit(small.X_train, small.y_train, small.X_test, small.y_test)
        assert history.epochs_run == family.planned(config) and history.status == "ok", framework
        if family.shows.neurons:
            hidden = model.hidden_activations(small.X_test[:5])
            assert [h.shape for h in hidden] == [(5, w) for w in family.config().hidden]
        assert model.predict_proba(small.X_test[:5]).shape == (5, 2) and model.fitted
        assert (model.n_parameters > 0) if family.shows.parameters else model.n_parameters is None, framework


def test_frames_hand_out_probabilities_hidden_maps_and_copies(small):
    mesh = Mesh.for_data(small, 10)
    run = Training(ModelSpec("s", ScratchConfig(epochs=5, hidden=(6, 3))), small, mesh, hidden=True)
    first = run.advance(2)
    assert first.status == "running" and first.label == "epoch 2 of 5" and first.progress == pytest.approx(0.4)
    assert first.proba.shape == (10, 10, 2) and [h.shape for h in first.hidden] == [(10, 10, 6), (10, 10, 3)]
    np.testing.assert_allclose(first.proba.sum(-1), 1, atol=1e-6)
    last = run.advance(10)
    assert last.status == "ok" and last.epoch == 5
    assert first.history.epochs_run == 2 and not np.array_equal(first.proba, last.proba)   # frames are copies


def test_cancel_stops_between_batches_and_keeps_the_model(small):
    spec = ModelSpec("slow", ScratchConfig(epochs=20000, batch_size=1))
    run = Training(spec, small)
    threading.Timer(0.2, run.cancel).start()
    t = time.perf_counter()
    frame = run.advance(20000)
    assert time.perf_counter() - t < 2.0
    assert frame.status == "stopped" and run.done and 0 < frame.epoch < 20000
    assert frame.label == f"stopped at epoch {frame.epoch} of 20000"
    assert run.model.history_.message == frame.label


def test_estimate_comes_before_any_work_and_grows_with_the_work(small):
    spec = ModelSpec("m", ScratchConfig(epochs=100))
    base = Training(spec, small).estimate()
    assert base.flops > 0 and base.seconds > 0
    assert Training(ModelSpec("m", ScratchConfig(epochs=1000)), small).estimate().seconds > 5 * base.seconds
    assert Training(ModelSpec("m", ScratchConfig(epochs=100, hidden=(256, 256))), small).estimate().flops \
        > 50 * base.flops
    huge = Training(ModelSpec("h", TorchMLPConfig(hidden=(512,) * 8, batch_size=2, epochs=20000)),
                    load_toy(DataConfig(n_samples=20000)))
    assert huge.estimate().seconds > 3600                    # the link that once held a slot for days


def test_optimizers_act_on_the_flat_vector():
    theta, grad = np.array([1.0, -2.0]), np.array([0.5, 0.5])
    SGD(2, 0.1).step(theta, grad)
    assert np.allclose(theta, [0.95, -2.05])
    m = Momentum(2, 0.1, 0.9)
    m.step(theta, grad)
    m.step(theta, grad)
    assert np.allclose(m.velocity, [-0.095, -0.095])
    assert isinstance(make_optimizer("sgd", 2, 0.1), SGD) and isinstance(make_optimizer("sgd", 2, 0.1, 0.9), Momentum)
    assert isinstance(make_optimizer("adam", 2, 0.1), Adam)


def test_adam_steps_equal_torch_adam():
    rng = np.random.default_rng(0)
    theta = rng.standard_normal(17)
    ours, param = theta.copy(), torch.tensor(theta.copy(), requires_grad=True)
    adam, torch_adam = Adam(17, 0.01), torch.optim.Adam([param], lr=0.01)
    for _ in range(5):
        grad = rng.standard_normal(17)
        adam.step(ours, grad)
        param.grad = torch.tensor(grad)
        torch_adam.step()
        np.testing.assert_allclose(ours, param.detach().numpy(), rtol=0, atol=1e-15)


def test_scratch_adam_learns_moons(moons):
    spec = ModelSpec("adam", ScratchConfig(optimizer="adam", learning_rate=0.01, epochs=60))
    run = Training(spec, moons)
    frame = run.run()
    assert frame.status == "ok" and frame.history.val_accuracy[-1] >= 0.97
