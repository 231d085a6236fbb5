import warnings

import numpy as np
import pytest

from nncore.core.optimizers import make_optimizer
from nncore.data.toy import DataConfig, load_toy
from nncore.models.scratch import ScratchConfig, ScratchNetwork


def fit(cfg, data):
    net = ScratchNetwork(cfg, data.n_features, data.n_classes)
    return net, net.fit(data.X_train, data.y_train, data.X_test, data.y_test)


def test_defaults_learn_moons(moons):
    net, h = fit(ScratchConfig(), moons)
    assert h.status == "ok" and h.epochs_run == ScratchConfig().epochs
    assert np.mean(net.predict(moons.X_test) == moons.y_test) >= 0.97
    assert h.train_loss[-1] < h.train_loss[0] / 5
    assert len(h.seconds) == h.epochs_run and h.seconds[-1] > 0


@pytest.mark.parametrize("act", ["relu", "tanh", "sigmoid"])
@pytest.mark.parametrize("init", ["he", "xavier"])
def test_every_activation_and_init_learns(moons, act, init):
    net, h = fit(ScratchConfig(activation=act, init=init, epochs=120), moons)
    assert h.val_accuracy[-1] >= 0.95, (act, init, h.val_accuracy[-1])


def test_full_batch_and_l2_learn(moons):
    net, h = fit(ScratchConfig(batch_size=0, learning_rate=0.5, epochs=400, l2=1e-4), moons)
    assert h.val_accuracy[-1] >= 0.97


def test_softmax_output_learns_three_classes():
    data = load_toy(DataConfig(name="spiral", n_samples=600, noise=0.1))
    net, h = fit(ScratchConfig(hidden=(32, 32), epochs=250), data)
    assert net.predict_proba(data.X_test).shape == (len(data.y_test), 3)
    np.testing.assert_allclose(net.predict_proba(data.X_test).sum(axis=1), 1.0)
    assert h.val_accuracy[-1] >= 0.9


def test_seed_setup_stays_at_chance_loss(moons):
    # The seed's flaw: 0.01*N(0,1) weights, lr 0.01: after 1000 epochs the loss is still ln 2
    cfg = ScratchConfig(hidden=(4,), activation="relu", init="seed", learning_rate=0.01, epochs=1000,
                        batch_size=0, momentum=0.0)
    net, h = fit(cfg, moons)
    assert h.train_loss[-1] > 0.65                                # chance: ln 2 = 0.693
    assert np.abs(net.predict_proba(moons.X_test)[:, 1] - 0.5).max() < 0.1


def test_same_seed_same_numbers_other_seed_other_numbers(moons):
    cfg = ScratchConfig(epochs=5)
    (a, ha), (b, hb), (_, hc) = fit(cfg, moons), fit(cfg, moons), fit(cfg.replace(seed=1), moons)
    assert ha.train_loss == hb.train_loss
    np.testing.assert_array_equal(a.coefs_[0], b.coefs_[0])
    assert ha.train_loss != hc.train_loss


def test_divergence_is_reported_not_raised(moons):
    cfg = ScratchConfig(hidden=(64, 64, 64), activation="relu", init="he", learning_rate=5.0, epochs=50)
    net, h = fit(cfg, moons)
    assert h.status == "diverged" and "learning rate" in h.message
    assert h.epochs_run < 50


def test_large_logits_raise_no_overflow_warning(moons):
    net = ScratchNetwork(ScratchConfig(hidden=(4,)), 2, 2)
    net.coefs_[-1][:] = 1e4
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = net.predict_proba(moons.X_test * 100)
        loss = net.loss_and_gradients(moons.X_test * 100, moons.y_test)[0]
    assert np.isfinite(p).all() and np.isfinite(loss)


def test_callback_can_stop_training(moons):
    net = ScratchNetwork(ScratchConfig(epochs=50), 2, 2)
    h = net.fit(moons.X_train, moons.y_train, on_epoch=lambda h: h.epoch[-1] == 3)
    assert h.epochs_run == 3 and h.status == "stopped"


def test_parameter_count():
    assert ScratchNetwork(ScratchConfig(hidden=(4,)), 2, 2).n_parameters == 2 * 4 + 4 + 4 + 1


@pytest.mark.parametrize("name", ["moons", "spiral"])
def test_recorded_epoch_is_what_train_step_reports_batch_by_batch(name):
    # steps() scores an epoch once, from the logits every batch had before its step: the same numbers,
    # to the last bit, as adding up train_step's (summed loss, correct) batch after batch
    data = load_toy(DataConfig(name=name, n_samples=300, noise=0.1))
    cfg = ScratchConfig(hidden=(8,), epochs=2, batch_size=7)              # 7 does not divide the points
    net, twin = (ScratchNetwork(cfg, 2, data.n_classes) for _ in range(2))
    h = net.fit(data.X_train, data.y_train)
    optimizer = make_optimizer(cfg.optimizer, twin.n_parameters, cfg.learning_rate, cfg.momentum)
    n = len(data.y_train)
    for epoch in range(2):
        order = twin.rng.permutation(n)
        X, y = data.X_train[order], data.y_train[order]
        loss_sum, correct = 0.0, 0
        for lo in range(0, n, 7):
            loss, right = twin.train_step(X[lo:lo + 7], y[lo:lo + 7], optimizer)
            loss_sum, correct = loss_sum + loss, correct + right
        assert (h.train_loss[epoch], h.train_accuracy[epoch]) == (loss_sum / n, correct / n)
    np.testing.assert_array_equal(net.theta_, twin.theta_)
