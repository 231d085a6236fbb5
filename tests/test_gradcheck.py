import numpy as np
import pytest

from nncore.models.scratch import ScratchConfig, ScratchNetwork
from nncore.teaching.gradcheck import check_config, check_network, gradcheck, relative_error


def test_backprop_matches_central_differences_and_autograd():
    rows = gradcheck()
    assert {(r.activation, r.output) for r in rows} == {
        (a, o) for a in ("relu", "tanh", "sigmoid") for o in ("sigmoid", "softmax")}
    for r in rows:
        assert r.vs_numerical < 1e-6, r
        assert r.vs_autograd < 1e-6, r


def test_gradcheck_catches_a_wrong_gradient(monkeypatch):
    # a broken derivative must be caught: the check is not vacuous
    net = ScratchNetwork(ScratchConfig(hidden=(4,), activation="tanh"), 2, 2)
    monkeypatch.setattr(net, "activation", net.activation._replace(derivative=lambda z, a: 1.0 - a))
    rng = np.random.default_rng(0)
    row = check_network(net, rng.normal(size=(10, 2)), rng.integers(0, 2, 10))
    assert row.vs_numerical > 1e-3 and row.vs_autograd > 1e-3


def test_relative_error():
    assert relative_error(np.ones(3), np.ones(3)) == 0.0
    assert relative_error(np.ones(3), -np.ones(3)) == pytest.approx(1.0)


def test_float32_network_is_refused():
    net = ScratchNetwork(ScratchConfig(), 2, 2, dtype=np.float32)
    with pytest.raises(ValueError, match="dtype"):
        check_network(net, np.zeros((2, 2)), np.zeros(2, dtype=int))


def test_engineered_inputs_match_autograd_and_central_differences():
    for hidden in ((), (4,)):
        for classes in (2, 3):
            row = check_config(ScratchConfig(hidden=hidden, inputs=("x1", "x2", "x1^2", "x1*x2", "sin(x2)")), classes)
            assert row.vs_autograd < 1e-10 and row.vs_numerical < 1e-6, row
