import numpy as np

from nncore.data.toy import DataConfig, load_toy
from nncore.engine.results import snapshot_epochs
from nncore.lineup.comparison import compare
from nncore.models.registry import ModelSpec, preset
from nncore.models.scratch import ScratchConfig
from nncore.models.sklearn_mlp import SklearnConfig, SklearnMLP
from nncore.models.torch_mlp import TorchMLP, TorchMLPConfig


def test_seed_pytorch_net_reaches_97(moons):
    spec = preset("seed")[1][1]
    net = TorchMLP(spec.config, 2, 2)
    h = net.fit(moons.X_train, moons.y_train, moons.X_test, moons.y_test)
    assert np.mean(net.predict(moons.X_test) == moons.y_test) >= 0.97
    assert h.epochs_run == 1000


def test_torch_mlp_is_deterministic_and_seed_sensitive(moons):
    cfg = TorchMLPConfig(epochs=20, batch_size=64)
    runs = [TorchMLP(c, 2, 2).fit(moons.X_train, moons.y_train).train_loss
            for c in (cfg, cfg, cfg.replace(seed=5))]
    assert runs[0] == runs[1] and runs[0] != runs[2]


def test_torch_options_learn(moons):
    cfg = TorchMLPConfig(hidden=(16, 16), activation="tanh", batch_norm=False, dropout=0.0, optimizer="sgd",
                         learning_rate=0.1, batch_size=32, epochs=60)
    net = TorchMLP(cfg, 2, 2)
    h = net.fit(moons.X_train, moons.y_train, moons.X_test, moons.y_test)
    assert h.val_accuracy[-1] >= 0.97


def test_torch_three_classes():
    data = load_toy(DataConfig(name="spiral", n_samples=600))
    net = TorchMLP(TorchMLPConfig(hidden=(32, 32), dropout=0.0, epochs=300), 2, 3)
    net.fit(data.X_train, data.y_train)
    assert net.predict_proba(data.X_test).shape == (len(data.y_test), 3)
    assert np.mean(net.predict(data.X_test) == data.y_test) >= 0.85


def test_torch_divergence_is_reported(moons):
    cfg = TorchMLPConfig(optimizer="sgd", learning_rate=10, momentum=0.99, batch_norm=False, dropout=0,
                         epochs=50, hidden=(64, 64, 64))
    h = TorchMLP(cfg, 2, 2).fit(moons.X_train, moons.y_train)
    assert h.status == "diverged"


def test_sklearn_reference_learns(moons):
    net = SklearnMLP(SklearnConfig(epochs=60), 2, 2)
    h = net.fit(moons.X_train, moons.y_train, moons.X_test, moons.y_test)
    assert h.epochs_run == 60 and h.val_accuracy[-1] >= 0.97
    assert net.n_parameters == 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1


def test_default_lineup_every_model_reaches_97():
    data, lineup = preset("default")
    result = compare(data, lineup, snapshots=4, resolution=30)
    for r in result.results:
        assert r.status == "ok" and r.test_accuracy >= 0.97, r.summary()
        assert r.boundary.shape == (30, 30, 2)
        assert [e for e, _ in r.snapshots] == sorted(snapshot_epochs(r.spec.config.epochs, 4))
        assert r.parameters > 0 and r.train_seconds > 0
    s = result.summary()
    assert set(s["models"][0]) >= {"name", "framework", "test_accuracy", "train_loss", "epochs",
                                   "train_seconds", "parameters", "status"}


def test_a_diverged_model_does_not_stop_the_others():
    lineup = [ModelSpec("boom", ScratchConfig(hidden=(64, 64, 64), activation="relu", init="he",
                                              learning_rate=5.0, epochs=30)),
              ModelSpec("fine", ScratchConfig(epochs=30))]
    result = compare(DataConfig(), lineup, snapshots=2, resolution=10)
    assert [r.status for r in result.results] == ["diverged", "ok"]
    assert result.results[0].test_accuracy is None and result.results[0].boundary is None
    assert result.results[1].test_accuracy >= 0.95
    assert result.summary()["models"][0]["status"] == "diverged"


def test_progress_reports_each_model():
    seen = []
    compare(DataConfig(n_samples=100), [ModelSpec("a", ScratchConfig(epochs=3)),
                                        ModelSpec("b", TorchMLPConfig(epochs=2))],
            snapshots=0, on_progress=lambda i, spec, h: seen.append((i, h.epoch[-1])))
    assert seen == [(0, 1), (0, 2), (0, 3), (1, 1), (1, 2)]
