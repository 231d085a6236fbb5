"""Moons comparison: several networks trained side by side on the same 2-D data."""
from __future__ import annotations

import pandas as pd
import pyarrow as pa
import streamlit as st

from app_pages import chrome, session, widgets
from nncore import urlstate
from nncore.core.settings import config_key
from nncore.data.toy import DataConfig, load_toy
from nncore.figures.toy import comparison_figures, data_figure, snapshot_figure
from nncore.models.registry import MAX_MODELS, PRESET_LABELS, PRESETS, TOY_FAMILIES, ModelSpec, preset
from nncore.training.comparison import compare, leaderboard, result_key
from nncore.training.gradcheck import check_config

SNAPSHOTS, RESOLUTION = 10, 60

st.title("Moons comparison")
st.caption("Several networks, the same data, one leaderboard. Change the settings, then press **Train**.")
advanced = chrome.advanced_settings(chrome.classroom_mode())


def share(data_cfg: DataConfig, lineup) -> None:
    st.query_params.from_dict(urlstate.encode(data_cfg, lineup))


# The setup: a link's preset, else this session's, else the link's settings, else the defaults.
if session.get_setup() is None or "preset" in st.query_params:
    data_q, lineup_q, notices = urlstate.decode(st.query_params.to_dict())
    for notice in notices:
        session.add_notice(notice)
    session.set_setup(data_q, lineup_q, new_widgets=True)
    if notices or "preset" in st.query_params:
        share(data_q, lineup_q)
data_cfg, lineup = session.get_setup()
for notice in session.pop_notices():
    st.warning(notice, icon="🔗")

with st.sidebar:
    st.subheader("Lineup")
    chosen = st.selectbox("Preset", list(PRESETS), format_func=PRESET_LABELS.get, key="preset_choice")
    if st.button("Load preset", width="stretch"):
        session.set_setup(*preset(chosen), new_widgets=True)
        share(*preset(chosen))
        st.rerun()
    kind = st.selectbox("Model to add", list(TOY_FAMILIES), format_func=lambda k: TOY_FAMILIES[k].label)
    if st.button("Add model", width="stretch", disabled=len(lineup) >= MAX_MODELS):
        name = f"{TOY_FAMILIES[kind].label} {len(lineup) + 1}"
        session.set_setup(data_cfg, (*lineup, ModelSpec(name, TOY_FAMILIES[kind].config())), new_widgets=True)
        st.rerun()
    gone = st.selectbox("Model to remove", range(len(lineup)), format_func=lambda i: lineup[i].name)
    if st.button("Remove model", width="stretch", disabled=len(lineup) <= 1):
        session.set_setup(data_cfg, lineup[:gone] + lineup[gone + 1:], new_widgets=True)
        st.rerun()

# Settings live in a form: editing them reruns nothing until Train is pressed.
gen = session.generation()
with st.form("setup"):
    st.subheader("Data")
    data_values = widgets.config_inputs(data_cfg, f"g{gen}-data-", advanced)
    st.subheader("Models")
    model_values = []
    for i, (tab, spec) in enumerate(zip(st.tabs([s.name for s in lineup]), lineup)):
        with tab:
            name = st.text_input("Name", spec.name, max_chars=60, key=f"g{gen}-m{i}-label")
            config = widgets.config_inputs(spec.config, f"g{gen}-m{i}-", advanced)
            model_values.append({"name": name, "framework": spec.framework,
                                 "config": {**spec.config.to_dict(), **config}})
    submitted = st.form_submit_button(f"Train {len(lineup)} models", type="primary")

cache = session.results_cache()
trained = None                          # this run's comparison, when Train was pressed
if submitted:
    try:
        data_cfg = DataConfig.from_dict({**data_cfg.to_dict(), **data_values})
        lineup = tuple(ModelSpec.from_dict(v) for v in model_values)
    except ValueError as exc:
        chrome.friendly_error("Check the settings", exc)
    else:
        session.set_setup(data_cfg, lineup)
        share(data_cfg, lineup)
        keys = [result_key(data_cfg, s, SNAPSHOTS, RESOLUTION) for s in lineup]
        with st.status(f"Training {len(lineup)} models…", expanded=True) as status:
            bars = [st.progress(1.0 if k in cache else 0.0,
                                text=f"{s.name}: {'already trained' if k in cache else 'waiting'}")
                    for s, k in zip(lineup, keys)]

            def progress(i, spec, h):
                e, total = h.epoch[-1], spec.config.epochs
                if e == total or e % max(1, total // 40) == 0:
                    bars[i].progress(e / total, text=f"{spec.name}: epoch {e}/{total}, "
                                                     f"test accuracy {h.val_accuracy[-1]:.3f}")
            missing = [k for k in keys if k not in cache]
            try:
                with chrome.trainer_slot():
                    trained = compare(data_cfg, lineup, snapshots=SNAPSHOTS, resolution=RESOLUTION,
                                      on_progress=progress, cache=cache)
                status.update(label="Trained", state="complete", expanded=False)
            except Exception as exc:   # noqa: BLE001 - a student sees a message, the page stays usable
                status.update(label="Training failed", state="error")
                chrome.friendly_error("Training failed", exc)
            session.count_trainings(sum(k in cache for k in missing))

keys = [result_key(data_cfg, s, SNAPSHOTS, RESOLUTION) for s in lineup]
views = session.figures_cache()          # everything drawn is built once per result set, then reused
view_key = (tuple(keys), tuple(s.name for s in lineup))
if view_key not in views:
    if not all(k in cache for k in keys):
        data_key = ("data", config_key(data_cfg))
        if data_key not in views:
            views[data_key] = data_figure(load_toy(data_cfg))
        st.plotly_chart(views[data_key], width="stretch", key="data")
        st.info(f"Press **Train {len(lineup)} models** to train the lineup on this data.")
        st.stop()
    # just trained: reuse that comparison; else every model is cached and compare() only assembles them
    comparison = trained or compare(data_cfg, lineup, snapshots=SNAPSHOTS, resolution=RESOLUTION, cache=cache)
    board = pd.DataFrame(leaderboard(comparison.results))
    views[view_key] = {"comparison": comparison, "board": pa.Table.from_pandas(board, preserve_index=False),
                       "csv": board.to_csv(index=False), **comparison_figures(comparison), "snapshots": {}}
view = views[view_key]
comparison, board = view["comparison"], view["board"]

st.subheader("Leaderboard")
st.dataframe(board, hide_index=True, lazy=False, column_config={
    "test accuracy": st.column_config.ProgressColumn("test accuracy", format="percent", min_value=0, max_value=1),
    "train loss": st.column_config.NumberColumn(format="%.4f"),
    "test loss": st.column_config.NumberColumn(format="%.4f")})
st.download_button("Download leaderboard (CSV)", view["csv"], "leaderboard.csv", "text/csv")
for r in comparison.results:
    if r.status == "diverged":
        st.error(f"**{r.spec.name} diverged.** {r.history.message}", icon="💥")

st.subheader("Decision boundaries")
st.caption("Colour: the model's probability for each class. ● training points, ✕ test points.")
st.plotly_chart(view["boundaries"], width="stretch", key="boundaries")

st.subheader("Learning curves")
st.caption("Solid: training data; dashed: test data. Loss on a log scale.")
st.plotly_chart(view["curves"], width="stretch", key="curves")

st.subheader("Through training")


@st.fragment
def through_training(view: dict) -> None:
    """Each model's boundary at evenly spaced epochs. A fragment: moving the slider reruns only this."""
    if not st.toggle("Show the boundaries through training", key="show_snapshots"):
        return
    step = st.slider("Snapshot", 1, SNAPSHOTS, SNAPSHOTS, key="snapshot",
                     help="Each model's boundary at evenly spaced epochs of its own training.")
    if step not in view["snapshots"]:
        view["snapshots"][step] = snapshot_figure(view["comparison"], step)
    st.plotly_chart(view["snapshots"][step], width="stretch", key="snapshots")


through_training(view)

with st.expander("Backprop check: is the scratch network's maths right?"):
    st.write("Compares the hand-written gradients with central differences and with PyTorch autograd "
             "(float64). Relative errors near 1e-8 or below mean the backprop is right.")
    scratch = [s for s in lineup if s.framework == "numpy"]
    if not scratch:
        st.info("Add a scratch NumPy model to check its gradients.")
    elif st.button("Run the gradient check"):
        rows = [{"model": s.name, **check_config(s.config, comparison.data.n_classes).to_dict()} for s in scratch]
        st.dataframe(pd.DataFrame(rows), hide_index=True, column_config={
            "vs_numerical": st.column_config.NumberColumn("vs central differences", format="%.2e"),
            "vs_autograd": st.column_config.NumberColumn("vs torch autograd", format="%.2e")})
        worst = max(max(r["vs_numerical"], r["vs_autograd"]) for r in rows)
        (st.success if worst < 1e-5 else st.error)(f"Largest relative error: {worst:.2e}")
