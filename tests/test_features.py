"""Engineered inputs (TensorFlow Playground's lesson): x1², x2², x1·x2, sin x1 and sin x2 beside x1 and x2.
On the circles a network without a hidden layer fails with x1 and x2 alone and succeeds given the squares."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from nncore import urlstate
from nncore.core.features import FEATURES, RAW_INPUTS, expand
from nncore.core.settings import settings_of
from nncore.data.toy import DataConfig, Mesh, load_toy
from nncore.engine.results import finish
from nncore.engine.toy import Training
from nncore.figures.neurons import incoming, network_figure, network_units
from nncore.models.registry import FAMILIES, PRESETS, ModelSpec, build_model
from nncore.models.scratch import ScratchConfig, ScratchNetwork
from nncore.teaching.backprop import forward_rows, network_from, parameter_names, step_through
from nncore.teaching.gradcheck import _numerical, relative_error
from tests.conftest import ROOT
from tests.test_pages import button, edit_models

NETWORKS = [k for k, f in FAMILIES.items() if f.shows.neurons]     # the families with hidden layers

ALL = tuple(FEATURES)
SQUARES = ("x1", "x2", "x1^2", "x2^2")
# a network with no hidden layer, per family, small enough to train in well under a second
LINEAR = {"numpy": dict(learning_rate=0.5, epochs=100, batch_size=0), "torch": dict(learning_rate=0.1, epochs=30),
          "sklearn": dict(epochs=30)}


@pytest.fixture(scope="module")
def circles():
    return load_toy(DataConfig(name="circles", n_samples=400))


def through_a_url(params: dict[str, str]) -> dict[str, str]:
    return dict(parse_qsl(urlencode(params), keep_blank_values=True))


def accuracy(model, data) -> float:
    return float(np.mean(model.predict(data.X_test) == data.y_test))


def test_each_input_is_its_formula_on_the_points():
    X = np.random.default_rng(0).normal(size=(50, 2)) * 3
    x1, x2 = X[:, 0], X[:, 1]
    out = expand(X, ALL)
    assert out.shape == (50, 7)
    for column, want in zip(out.T, (x1, x2, x1 ** 2, x2 ** 2, x1 * x2, np.sin(x1), np.sin(x2))):
        np.testing.assert_array_equal(column, want)
    np.testing.assert_array_equal(expand(X, ("sin(x2)", "x1")), np.c_[np.sin(x2), x1])
    assert expand(X, RAW_INPUTS) is X                  # the default: the points themselves, bit for bit
    assert expand(X.astype(np.float32), ALL).dtype == np.float32
    assert [f.label for f in FEATURES.values()] == ["x₁", "x₂", "x₁²", "x₂²", "x₁x₂", "sin x₁", "sin x₂"]


@pytest.mark.parametrize("framework", NETWORKS)
@pytest.mark.parametrize("bad,message", [((), "at least one"), (("x3",), "may hold only"), (("x1", "x1"), "twice"),
                                         ("x1", "must be a list"), ([1], "may hold only")])
def test_bad_inputs_are_refused_naming_the_field_and_the_allowed_values(framework, bad, message):
    with pytest.raises(ValueError, match=rf"^inputs .*{message}") as caught:
        FAMILIES[framework].config(inputs=bad)
    if message != "at least one":
        assert "x1^2" in str(caught.value) and "sin(x2)" in str(caught.value)


def test_inputs_keep_the_tables_order_and_are_a_normal_setting():
    assert ScratchConfig(inputs=["x2^2", "x1", "x2"]).inputs == ("x1", "x2", "x2^2")
    for family in FAMILIES.values():
        s = settings_of(family.config)["inputs"]
        assert (s.kind, s.label, s.advanced, s.choices) == ("multi", "Inputs", False, ALL)
        assert family.config().inputs == RAW_INPUTS


@pytest.mark.parametrize("framework", NETWORKS)
def test_no_hidden_layer_parts_the_circles_only_with_the_squares(circles, framework):
    scores = {}
    for inputs in (RAW_INPUTS, SQUARES):
        config = FAMILIES[framework].config(hidden=(), inputs=inputs, **LINEAR[framework])
        model = build_model(ModelSpec("linear", config), 2, 2)
        model.fit(circles.X_train, circles.y_train)
        assert model.n_parameters == len(inputs) + 1 and model.layer_weights[0][0].shape == (len(inputs), 1)
        assert model.hidden_activations(circles.X_test) == []
        scores[inputs] = accuracy(model, circles)
    assert scores[RAW_INPUTS] <= 0.65 and scores[SQUARES] >= 0.95, scores


def test_the_preset_shows_the_lesson_and_round_trips_through_a_link():
    data_config, lineup = PRESETS["circles-features"]
    data = load_toy(data_config)
    without, with_squares = (build_model(spec, data.n_features, data.n_classes) for spec in lineup)
    for model in (without, with_squares):
        model.fit(data.X_train, data.y_train)
        assert model.history_.seconds[-1] < 1.0
    assert accuracy(without, data) <= 0.65 and accuracy(with_squares, data) >= 0.95
    decoded = urlstate.decode(through_a_url(urlstate.encode(data_config, lineup)))
    assert decoded == (data_config, lineup, []) and urlstate.preset_of(*decoded[:2]) == "circles-features"


@pytest.mark.parametrize("framework", NETWORKS)
def test_a_lineup_with_inputs_survives_a_link(framework):
    spec = ModelSpec("sines", FAMILIES[framework].config(inputs=("x1", "x2", "x1*x2", "sin(x1)"), hidden=()))
    data = DataConfig(name="xor")
    params = through_a_url(urlstate.encode(data, (spec,)))
    assert urlstate.decode(params) == (data, (spec,), [])
    s = settings_of(type(spec.config))["inputs"]
    assert urlstate.from_text(s, urlstate.to_text(s, spec.config.inputs)) == spec.config.inputs
    bad = dict(params, models=params["models"].replace("sin(x1)", "cos(x1)"))
    _, lineup, notices = urlstate.decode(bad)                                 # never raises: a notice instead
    assert lineup == PRESETS["default"][1] and "inputs" in notices[0]


@pytest.mark.parametrize("classes", [2, 3])
@pytest.mark.parametrize("hidden", [(), (5, 3)])
def test_gradients_with_every_input_match_central_differences(hidden, classes):
    rng = np.random.default_rng(1)
    net = ScratchNetwork(ScratchConfig(inputs=ALL, hidden=hidden, l2=1e-3), 2, classes)
    for b in net.intercepts_:
        b += rng.normal(0, 0.1, b.shape)
    X, y = rng.normal(size=(12, 2)), rng.integers(0, classes, 12)
    loss, gW, gb = net.loss_and_gradients(X, y)
    numeric = _numerical(net, X, y, 1e-6)
    errors = [relative_error(a, n) for a, n in zip([*gW, *gb], numeric)]
    assert max(errors) < 1e-6, errors
    assert gW[0].shape == (7, (hidden or (1 if classes == 2 else classes,))[0])
    # the check can fail: x1's and x2's gradients standing in for x1²'s and x2²'s are caught
    wrong = gW[0].copy()
    wrong[2:4] = wrong[0:2]
    assert relative_error(wrong, numeric[0]) > 1e-3


def test_cost_counts_the_first_layers_width(circles):
    small, wide = (Training(ModelSpec("m", ScratchConfig(inputs=i, hidden=(8,))), circles).estimate()
                   for i in (RAW_INPUTS, ALL))
    assert wide.flops > small.flops
    # two more inputs into 8 units, forward (2 flops per multiply-add) and backward (x3) on every point
    epochs, n = ScratchConfig().epochs, len(circles.y_train)
    assert wide.flops - small.flops >= epochs * 3 * 2 * 5 * 8 * n


@pytest.mark.parametrize("framework", NETWORKS)
def test_the_neuron_view_shows_each_input_by_its_label_even_without_a_hidden_layer(circles, framework):
    mesh = Mesh.for_data(circles, 24)
    config = FAMILIES[framework].config(hidden=(), inputs=SQUARES, epochs=3)
    run = Training(ModelSpec(framework, config), circles, mesh)
    run.run()
    result = finish(run)
    units = network_units(mesh.xs, mesh.ys, result.hidden, result.boundary, config.inputs)
    assert [u.name for u in units] == ["x₁", "x₂", "x₁²", "x₂²", "out"]
    assert [u.column for u in units] == [0, 0, 0, 0, 1]
    gx, gy = np.meshgrid(mesh.xs, mesh.ys)
    np.testing.assert_allclose(units[2].values, gx ** 2, rtol=1e-6)
    np.testing.assert_allclose(units[3].values, gy ** 2, rtol=1e-6)
    figure = network_figure(units, result.layers).to_dict()
    assert len(figure["layout"]["images"]) == 5
    assert [a["text"] for a in figure["layout"]["annotations"]] == ["<b>inputs</b>", "<b>output</b>"]
    rows = incoming(units, result.layers, 4)
    assert [r["from"] for r in rows] == ["x₁", "x₂", "x₁²", "x₂²", "bias"]
    assert rows[2]["weight"] == pytest.approx(result.layers[0][0][2, 0])


def test_the_step_through_shows_the_inputs_and_works_without_a_hidden_layer(circles):
    net = ScratchNetwork(ScratchConfig(hidden=(), inputs=SQUARES, learning_rate=0.5, epochs=5, batch_size=0), 2, 2)
    net.fit(circles.X_train, circles.y_train)
    x, y = circles.X_train[3], int(circles.y_train[3])
    walk = step_through(net, x, y)
    assert walk.inputs == ["x₁", "x₂", "x₁²", "x₂²"]
    np.testing.assert_array_equal(walk.activations[0], [x[0], x[1], x[0] ** 2, x[1] ** 2])
    assert parameter_names(net) == ["W1[x₁→out]", "W1[x₂→out]", "W1[x₁²→out]", "W1[x₂²→out]", "b1[out]"]
    assert len(walk.rows) == net.n_parameters == 5 and walk.max_gradient_error < 1e-7
    assert [d.shape for d in walk.deltas] == [(1,)]
    assert [(r["unit"], r["output"]) for r in forward_rows(walk)] == [("out", walk.probability[1])]
    twin = network_from(net.config, net.layer_weights, 2)
    np.testing.assert_array_equal(twin.predict_proba(circles.X_test), net.predict_proba(circles.X_test))
    deep = ScratchNetwork(ScratchConfig(hidden=(3,), inputs=ALL), 2, 2)
    assert parameter_names(deep)[:4] == ["W1[x₁→h1.1]", "W1[x₁→h1.2]", "W1[x₁→h1.3]", "W1[x₂→h1.1]"]
    assert parameter_names(deep)[18:21] == ["W1[sin x₂→h1.1]", "W1[sin x₂→h1.2]", "W1[sin x₂→h1.3]"]


def test_the_moons_page_offers_the_inputs_as_a_multiselect_and_refuses_none():
    at = AppTest.from_file(str(ROOT / "app_pages" / "moons.py"), default_timeout=60).run()
    edit_models(at)                                      # the models drawer
    inputs = at.multiselect(key="g1-m0-inputs")
    s = settings_of(ScratchConfig)["inputs"]
    assert (inputs.label, inputs.help, list(inputs.value)) == (s.label, s.help, list(RAW_INPUTS))
    assert list(inputs.options) == [f.label for f in FEATURES.values()]
    inputs.set_value([])
    button(at, "Apply and train").click().run()
    assert not at.exception and any("inputs needs at least one" in e.value for e in at.error)
