"""Inside the models on the moons page: every neuron's map with the weights between them (a model that is
not a network says so), one backprop step by hand with the gradient check, and what differs between two
models' settings. Section functions only: the numbers and pictures come from nncore."""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
from PIL import Image

from app_pages import session
from app_pages.state import NeuronDrawing
from nncore.core.text import literal
from nncore.figures.neurons import MAX_UNITS, incoming, network_figure, network_units, unit_picture
from nncore.models.registry import differences
from nncore.models.torch_mlp import TorchMLPConfig
from nncore.teaching.backprop import forward_rows, hardest_point, network_from, step_through
from nncore.teaching.gradcheck import check_config
from nncore.teaching.graphs import GRAPH_NOTE, mlp_autograd_dot

NOTE = ("Each square is a unit's output over the input plane (the same window as the boundary): blue "
        "positive, orange negative, white zero, each unit on its own scale. The output's square is the "
        "decision boundary. Lines are weights: blue positive, orange negative, wider when larger. "
        "Click a unit to see it large, with the weights coming into it.")
NO_TOOLBAR = {"displayModeBar": False}       # nothing to zoom in a diagram; the toolbar covered its headings


def _kind(family) -> str:
    """A family's label as a kind of model, with its article: "a logistic regression model", "an RBF SVM model"."""
    label = family.label
    acronym = label[:2].isupper()                     # "RBF SVM" stays; "Random forest" -> "random forest"
    kind = label if acronym else label[:1].lower() + label[1:]
    vowel = kind[:1] in ("AEFHILMNORSX" if acronym else "aeiou")   # (an acronym: how its first letter sounds)
    return f"{'an' if vowel else 'a'} {kind} model"


def _names(specs) -> str:
    """“A”, “A” and “B”, “A”, “B” and “C”."""
    quoted = [f"“{literal(s.name)}”" for s in specs]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} and {quoted[-1]}"


def no_scratch(live, then: str) -> str:
    """Why this lineup has no backprop by hand, naming the models that are not networks; ``then``: what to do."""
    others = [s for s in live.lineup if not s.family.shows.network]
    if not others:
        return f"Backprop by hand needs a scratch NumPy network: {then}"
    verb = "is not a neural network" if len(others) == 1 else "are not neural networks"
    return f"{_names(others)} {verb}, and backprop by hand needs a scratch NumPy network: {then}"


def _no_units(spec) -> str:
    """What the neuron view says of a model whose family shows no hidden units."""
    return f"“{literal(spec.name)}” is {_kind(spec.family)}, not a neural network: it has no hidden units to show."


def model_picker(live, key: str) -> int:
    names = [s.name for s in live.lineup]
    return st.selectbox("Model", range(len(names)), format_func=names.__getitem__, key=key)


def _drawn(live, which: int) -> NeuronDrawing | None:
    """The neuron view of model ``which`` now, or None; a finished model's, built once."""
    cache = session.moons().drawn_neurons() if live.done else None      # this run's view state
    if cache is not None and which in cache:
        return cache[which]
    inside = live.inside(which)
    if inside is None:
        return None
    layers, hidden, proba = inside
    units = network_units(live.mesh.xs, live.mesh.ys, hidden, proba, live.lineup[which].config.inputs)
    wide = [f"hidden layer {i + 1} ({h.shape[-1]} units)" for i, h in enumerate(hidden) if h.shape[-1] > MAX_UNITS]
    drawn = NeuronDrawing(units, layers, network_figure(units, layers),
                          f"Showing the first {MAX_UNITS} units of {', '.join(wide)}." if wide else "")
    if cache is not None:
        cache[which] = drawn
    return drawn


def neurons(live, which: int, key: str, clickable: bool = True) -> None:
    """The network of model ``which`` as it is now (live while it trains), with a click to enlarge; a model
    that is not a network says so."""
    spec = live.lineup[which]
    if not spec.family.shows.neurons:
        st.info(_no_units(spec), icon=":material/info:")
        return
    drawn = _drawn(live, which)
    if drawn is None:
        st.caption("Nothing to show yet: this model has not started, or it diverged.")
        return
    units, layers, figure, note = drawn
    if note:
        st.caption(note)
    if not clickable:
        st.plotly_chart(figure, width="stretch", key=key, config=NO_TOOLBAR)
        return
    event = st.plotly_chart(figure, width="stretch", key=key, on_select="rerun", selection_mode="points",
                            config=NO_TOOLBAR)
    picked = [p["customdata"] for p in event.selection.points if "customdata" in p] if event else []
    st.caption(NOTE)
    if picked:
        _enlarged(units, layers, int(picked[0] if np.isscalar(picked[0]) else picked[0][0]))


def _enlarged(units, layers, which: int) -> None:
    unit = units[which]
    left, right = st.columns([1, 1])
    big = Image.fromarray(unit_picture(unit)).resize((320, 320), Image.BILINEAR)
    left.image(np.asarray(big), caption=f"{unit.name}, over the whole input plane", width=320)
    rows = incoming(units, layers, which)
    if rows:
        right.markdown(f"**Into {unit.name}**")
        right.dataframe(pd.DataFrame(rows), hide_index=True, column_config={
            "weight": st.column_config.NumberColumn(format="%.4f")})
    else:
        right.markdown(f"**{unit.name}** is an input: its map is {unit.name} at each point of the plane.")


@st.fragment
def inside_section(live) -> None:
    """Every neuron of one model: each unit's map over the input plane and the weights between them."""
    left, _ = st.columns([1, 1])
    with left:
        which = model_picker(live, "neurons_model")
    neurons(live, which, f"neurons-{which}")


@st.fragment
def backprop_section(live) -> None:
    """One training point through one step of the scratch network's own code, every number shown."""
    scratch = [i for i, s in enumerate(live.lineup) if s.family.shows.backprop]
    results = {r.spec.name: r for r in live.results()}
    scratch = [i for i in scratch if live.lineup[i].name in results and results[live.lineup[i].name].layers]
    st.caption("One step of training, by hand: forward values, the loss, each layer's delta, every gradient "
               "beside its central difference, and the weights before and after the step, for a point you pick.")
    if not scratch and any(s.family.shows.backprop for s in live.lineup):
        st.info("Nothing to step through: no scratch model here has weights yet (one stopped before its first "
                "step has none).")
        return
    if not scratch:
        st.info(no_scratch(live, "add one to step through its backprop."))
        return
    names = [live.lineup[i].name for i in scratch]
    left, right = st.columns(2)
    name = left.selectbox("Scratch model", names, key="step_model")
    result = results[name]
    net = network_from(result.spec.config, result.layers, live.data.n_classes)
    hardest = hardest_point(net, live.data.X_train, live.data.y_train)
    # one input per model (keyed by its name), so each starts at its own hardest point
    point = right.number_input("Training point", 0, len(live.data.y_train) - 1, hardest, key=f"step_point-{name}",
                               help=f"It starts at point {hardest}, the one this model gets most wrong (the "
                                    "largest loss): on a point it already gets right with confidence, every "
                                    "gradient is close to 0.")
    walk = step_through(net, live.data.X_train[point], int(live.data.y_train[point]))
    st.markdown(f"Point ({walk.x[0]:.3f}, {walk.x[1]:.3f}), class **{walk.y}**; predicted probabilities "
                f"{np.array2string(walk.probability, precision=3)}; loss **{walk.loss:.5f}**.")
    st.markdown("Its inputs: " + ", ".join(f"{name} = {v:.4f}"
                                           for name, v in zip(walk.inputs, walk.activations[0])))
    forward = forward_rows(walk)
    st.dataframe(pd.DataFrame(forward), hide_index=True,           # (up to ten rows on screen, then it scrolls)
                 column_config={k: st.column_config.NumberColumn(format="%.6g")
                                for k in ("z (before the activation)", "output", "delta = dL/dz")})
    st.caption(f"Each gradient beside its central difference (largest gap {walk.max_gradient_error:.1e}), "
               f"and each parameter before and after one step of {result.spec.config.optimizer} at "
               f"learning rate {result.spec.config.learning_rate:g} on this point alone.")
    st.dataframe(pd.DataFrame(walk.rows), hide_index=True, height=min(640, 36 + 35 * len(walk.rows)),
                 column_config={k: st.column_config.NumberColumn(format="%.6g")     # (1e-9 is not 0.000000)
                                for k in ("before", "gradient", "central difference", "after")})


def backprop_tab(live) -> None:
    """The Backprop view: one step by hand, then the gradient check over the whole network."""
    backprop_section(live)
    gradient_check(live)
    autograd_graph(live)


def autograd_graph(live) -> None:
    """A PyTorch model's autograd graph (torchviz), as the seed drew its model: what backward() walks."""
    torch_models = [s for s in live.lineup if isinstance(s.config, TorchMLPConfig)]
    box = st.expander("PyTorch's autograd graph: what backward() walks", key="graph_box", on_change="rerun")
    if not box.open:                    # drawn only while open: a graph laid out in a closed box stays blank
        return
    with box:
        if not torch_models:
            st.info("No PyTorch network in this lineup: add one to see its graph.")
            return
        names = [s.name for s in torch_models]
        name = st.selectbox("PyTorch model", names, key="graph_model") if len(names) > 1 else names[0]
        spec = torch_models[names.index(name)]
        st.graphviz_chart(mlp_autograd_dot(spec.config, live.data.n_classes))
        dropout = " MulBackward0 then DivBackward0: dropout, its mask, then 1/(1 − p)." if spec.config.dropout else ""
        st.caption(GRAPH_NOTE + dropout + " Backprop by hand, above, is this walk written out for the scratch network.")


def gradient_check(live) -> None:
    with st.expander("Backprop check: is the scratch network's maths right?"):
        st.write("Compares the hand-written gradients with central differences and with PyTorch autograd "
                 "(float64). Relative errors near 1e-8 or below mean the backprop is right.")
        scratch = [s for s in live.lineup if s.family.shows.backprop]
        if not scratch:
            st.info(no_scratch(live, "add one to check its gradients."))
        elif st.button("Run the gradient check"):
            rows = [{"model": s.name, **check_config(s.config, live.data.n_classes).to_dict()} for s in scratch]
            st.dataframe(pd.DataFrame(rows), hide_index=True, column_config={
                "vs_numerical": st.column_config.NumberColumn("vs central differences", format="%.2e"),
                "vs_autograd": st.column_config.NumberColumn("vs torch autograd", format="%.2e")})
            worst = max(max(r["vs_numerical"], r["vs_autograd"]) for r in rows)
            (st.success if worst < 1e-5 else st.error)(f"Largest relative error: {worst:.2e}")


@st.fragment
def what_differs(live) -> None:
    """Two models side by side, setting by setting: a one-variable experiment shows one row."""
    if len(live.lineup) < 2:
        st.caption("One model only: add another to the lineup to compare their settings.")
        return
    names = [s.name for s in live.lineup]
    left, right = st.columns(2)
    a = left.selectbox("Model", range(len(names)), format_func=names.__getitem__, key="differs_a")
    b = right.selectbox("against", range(len(names)), index=len(names) - 1, format_func=names.__getitem__,
                        key="differs_b")
    rows = differences(live.lineup[a], live.lineup[b])
    if rows:
        st.dataframe(pd.DataFrame(rows).set_index("setting"), width="stretch")
    else:
        st.caption("Nothing: the same settings.")
