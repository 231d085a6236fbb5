"""Inside the MLP: neuron maps are the models' own activations; the step-through is the training code's."""
import numpy as np
import pytest

from nncore.core.optimizers import make_optimizer
from nncore.data.toy import DataConfig, Mesh, load_toy
from nncore.engine.results import finish
from nncore.engine.toy import Training
from nncore.figures.neurons import MAX_UNITS, incoming, network_figure, network_units
from nncore.models.registry import FAMILIES, PRESETS, ModelSpec
from nncore.models.scratch import ScratchConfig, ScratchNetwork
from nncore.teaching.backprop import forward_rows, hardest_point, network_from, parameter_names, step_through

NETWORKS = [k for k, f in FAMILIES.items() if f.shows.neurons]     # the families with hidden layers


@pytest.fixture(scope="module")
def small():
    return load_toy(DataConfig(n_samples=300))


@pytest.mark.parametrize("framework", NETWORKS)
def test_each_neuron_map_is_the_models_own_hidden_activation(small, framework):
    mesh = Mesh.for_data(small, 30)
    config = FAMILIES[framework].config(epochs=5, hidden=(6, 5))
    run = Training(ModelSpec(framework, config), small, mesh)
    run.run()
    result = finish(run)
    units = network_units(mesh.xs, mesh.ys, result.hidden, result.boundary)
    rng = np.random.default_rng(0)
    rows, cols = rng.integers(0, 30, 20), rng.integers(0, 30, 20)                 # 20 mesh points
    points = np.c_[mesh.xs[cols], mesh.ys[rows]]
    truth = run.model.hidden_activations(points)
    for layer, width in enumerate((6, 5), start=1):
        maps = [u for u in units if u.column == layer]
        assert len(maps) == width
        for u in maps:
            np.testing.assert_allclose(u.values[rows, cols], truth[layer - 1][:, u.index], atol=1e-6)
    np.testing.assert_allclose(units[-1].values[rows, cols], run.model.predict_proba(points), atol=1e-6)
    figure = network_figure(units, result.layers).to_dict()
    assert len(figure["layout"]["images"]) == len(units) == 2 + 6 + 5 + 1


def test_wide_layers_show_their_first_sixteen_and_the_weights_into_a_unit(small):
    mesh = Mesh.for_data(small, 20)
    run = Training(ModelSpec("w", ScratchConfig(epochs=2, hidden=(40,))), small, mesh)
    run.run()
    result = finish(run)
    units = network_units(mesh.xs, mesh.ys, result.hidden, result.boundary)
    assert sum(u.column == 1 for u in units) == MAX_UNITS
    rows = incoming(units, result.layers, len(units) - 1)                      # into the output
    assert rows[-1]["from"] == "bias" and "24 units not shown" in rows[-2]["from"]
    assert rows[0]["weight"] == pytest.approx(result.layers[1][0][0, 0])
    assert incoming(units, result.layers, 0) == []                              # an input has none


def seed_net(small) -> ScratchNetwork:
    config = PRESETS["seed"][1][0].config.replace(epochs=30)
    net = ScratchNetwork(config, 2, 2)
    net.fit(small.X_train, small.y_train)
    return net


def test_the_step_through_is_the_training_code_for_the_seeds_17_parameters(small):
    net = seed_net(small)
    x, y = small.X_train[7], int(small.y_train[7])
    walk = step_through(net, x, y)
    assert len(walk.rows) == net.n_parameters == 17
    loss, gW, gb = net.loss_and_gradients(x[None], np.array([y]))
    analytic = np.concatenate([g.ravel() for pair in zip(gW, gb) for g in pair])
    gradients = np.array([r["gradient"] for r in walk.rows])
    np.testing.assert_allclose(gradients, analytic, rtol=0, atol=1e-12)
    np.testing.assert_allclose(gradients, [r["central difference"] for r in walk.rows], rtol=0, atol=1e-6)
    assert walk.loss == pytest.approx(loss, abs=1e-12)
    # "after" is one real training step: train a copy on that one point, one full-batch epoch
    twin = network_from(net.config.replace(epochs=1, batch_size=0), [(W, b) for W, b in net.layer_weights], 2)
    twin.fit(x[None], np.array([y]))
    np.testing.assert_array_equal([r["after"] for r in walk.rows], twin.theta_)
    assert np.array_equal([r["before"] for r in walk.rows], net.theta_)          # the model is untouched
    assert parameter_names(net)[:3] == ["W1[x₁→h1.1]", "W1[x₁→h1.2]", "W1[x₁→h1.3]"]     # display labels
    assert [d.shape for d in walk.deltas] == [(4,), (1,)]
    rows = forward_rows(walk)                           # one row per unit, named as in the parameters
    assert [r["unit"] for r in rows] == ["h1.1", "h1.2", "h1.3", "h1.4", "out"]
    assert rows[-1]["output"] == pytest.approx(1 / (1 + np.exp(-walk.zs[-1][0])))          # P(class 1)
    assert rows[-1]["output"] == pytest.approx(walk.probability[1])
    assert [r["delta = dL/dz"] for r in rows] == list(walk.deltas[0]) + list(walk.deltas[1])


def test_the_step_through_follows_the_models_optimizer(small):
    config = ScratchConfig(hidden=(3,), optimizer="adam", learning_rate=0.05, epochs=1)
    net = ScratchNetwork(config, 2, 2)
    walk = step_through(net, small.X_train[0], int(small.y_train[0]))
    theta = net.theta_.copy()
    make_optimizer("adam", theta.size, 0.05).step(theta, np.array([r["gradient"] for r in walk.rows]))
    np.testing.assert_allclose([r["after"] for r in walk.rows], theta, atol=1e-12)


def test_the_step_through_starts_where_there_is_something_to_see(small):
    """The hardest point has the largest loss of all, and its step moves the weights more than an easy one's."""
    net = ScratchNetwork(ScratchConfig(epochs=300), 2, 2)       # the default network, trained to confidence
    net.fit(small.X_train, small.y_train)
    i = hardest_point(net, small.X_train, small.y_train)
    losses = [net.loss_and_gradients(x[None], np.array([y]))[0] for x, y in zip(small.X_train, small.y_train)]
    assert losses[i] == pytest.approx(max(losses), abs=1e-12)
    easy = int(np.argmin(losses))
    norm = lambda j: np.linalg.norm([r["gradient"] for r in step_through(net, small.X_train[j],  # noqa: E731
                                                                         int(small.y_train[j])).rows])
    assert norm(i) > 10 * norm(easy)


def test_three_classes_step_through_names_each_output_and_starts_at_the_largest_loss():
    spiral = load_toy(DataConfig(name="spiral", n_samples=300))
    net = ScratchNetwork(ScratchConfig(hidden=(5,), epochs=20), 2, 3)
    net.fit(spiral.X_train, spiral.y_train)
    i = hardest_point(net, spiral.X_train, spiral.y_train)
    losses = [net.loss_and_gradients(x[None], np.array([y]))[0] for x, y in zip(spiral.X_train, spiral.y_train)]
    assert losses[i] == pytest.approx(max(losses), abs=1e-12)
    walk = step_through(net, spiral.X_train[i], int(spiral.y_train[i]))
    rows = forward_rows(walk)
    assert [r["unit"] for r in rows] == ["h1.1", "h1.2", "h1.3", "h1.4", "h1.5", "out0", "out1", "out2"]
    np.testing.assert_allclose([r["output"] for r in rows[-3:]], walk.probability)       # the softmax
    assert parameter_names(net)[-3:] == ["b2[out0]", "b2[out1]", "b2[out2]"]
