"""The moons page's results area: the lineup training live, its controls, and what it leaves behind.

One fragment: a frame redraws only this area, and its buttons rerun only this area. Training
advances in slices of ``FRAME_SECONDS`` while holding one of the host's trainer slots, then
draws a frame; a click (Pause, Stop, ...) interrupts the loop between two frames.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import chrome, session
from nncore.data.toy import load_toy
from nncore.figures.live import LiveView, live_view
from nncore.figures.toy import BoundaryCanvas, data_figure, snapshot_figure
from nncore.training.gradcheck import check_config

RESOLUTION = 60         # mesh points per axis for boundaries
FRAME_SECONDS = 0.2     # training between two frames: about 4 frames a second with drawing
STEP = 0.05             # Step: a twentieth of the training
BOARD_COLUMNS = {
    "test accuracy": st.column_config.ProgressColumn("test accuracy", format="percent", min_value=0, max_value=1),
    "train loss": st.column_config.NumberColumn(format="%.4f"),
    "test loss": st.column_config.NumberColumn(format="%.4f")}


def _state(live) -> dict:
    """Built once per live run: the boundary canvas, and each through-training figure drawn so far."""
    return session.live_canvas(lambda: {"canvas": BoundaryCanvas(live.mesh.xs, live.mesh.ys, live.data,
                                                                 len(live.lineup)),
                                        "snapshots": {}, "stored": False})


def _controls(live) -> None:
    running = not live.done
    cols = st.columns(5)
    if live.paused:
        cols[0].button("Resume", icon=":material/play_arrow:", on_click=_set_paused, args=(live, False),
                       disabled=not running, width="stretch")
    else:
        cols[0].button("Pause", icon=":material/pause:", on_click=_set_paused, args=(live, True),
                       disabled=not running, width="stretch")
    cols[1].button("Step", icon=":material/skip_next:", on_click=_step, args=(live,), disabled=not running,
                   help="Train a twentieth of the way, then pause.", width="stretch")
    cols[2].button("Stop", icon=":material/stop:", on_click=live.cancel, disabled=not running,
                   help="Keep the models as trained so far.", width="stretch")
    cols[3].button("Reset", icon=":material/restart_alt:", on_click=session.set_live, args=(None,),
                   help="Clear the results.", width="stretch")


def _set_paused(live, paused: bool) -> None:
    live.paused = paused


def _step(live) -> None:
    live.paused = True
    with chrome.trainer_slot():
        live.step(live.share + STEP)


def _draw(slots, view: LiveView, tag: str) -> None:
    progress, board, boundaries, curves = slots
    progress.progress(view.share, text=f"**{view.share:.0%}** · {view.counters}")
    board.dataframe(pd.DataFrame(view.board), hide_index=True, column_config=BOARD_COLUMNS, key=f"board-{tag}")
    boundaries.plotly_chart(view.boundaries, width="stretch", key=f"boundaries-{tag}")
    curves.plotly_chart(view.curves, width="stretch", key=f"curves-{tag}")


@st.fragment
def results_area(data_cfg, lineup) -> None:
    session.results_cache()                           # this session's trained models (and their count)
    live = session.get_live()
    if live is not None and live.done and (live.data_config, live.lineup) != (data_cfg, lineup):
        live = None                                   # the settings changed since: show the new data
    if live is None:
        st.plotly_chart(data_figure(load_toy(data_cfg)), width="stretch", key="data")
        st.info(f"Press **Train {len(lineup)} models** to watch them learn this data side by side.")
        return
    state = _state(live)
    _controls(live)
    slots = (st.empty(), st.empty(), st.empty(), st.empty())
    frames = 0
    while not live.done and not live.paused:
        with chrome.trainer_slot():
            try:
                frame = live.advance_for(FRAME_SECONDS)
            except Exception as exc:  # noqa: BLE001 - a student sees a message, the page stays usable
                session.set_live(None)
                chrome.friendly_error("Training failed", exc)
                return
        _draw(slots, live_view(live, state["canvas"], frame), str(frames))
        frames += 1
    if live.done and not state["stored"]:
        state["stored"] = True
        session.count_trainings(len(live.store(session.results_cache())))
    _draw(slots, live_view(live, state["canvas"]), "now")
    if live.done:
        _afterwards(live, state)


def _afterwards(live, state: dict) -> None:
    results = live.results()
    board = pd.DataFrame(live_view(live, state["canvas"]).board)
    st.download_button("Download leaderboard (CSV)", board.to_csv(index=False), "leaderboard.csv", "text/csv",
                       icon=":material/download:")
    for r in results:
        if r.status == "diverged":
            st.error(f"**{r.spec.name} diverged.** {r.history.message}", icon=":material/error:")
    st.caption("Colour: the model's probability for each class. ● training points, ✕ test points. "
               "Curves: solid on training data, dashed on test data; loss on a log scale.")
    _through_training(live, state)
    _gradient_check(live)


@st.fragment
def _through_training(live, state: dict) -> None:
    """The frames recorded while training: moving the slider reruns only this, and a frame seen
    once is drawn from memory."""
    st.subheader("Through training")
    count = max((len(r.snapshots) for r in live.results()), default=0)
    if count < 2:
        st.caption("Too few frames were recorded (the models came from the cache): press Reset, then Train.")
        return
    step = st.slider("Frame", 1, count, count, key="snapshot",
                     help="Every model's boundary as it was while training, frame by frame.")
    if step not in state["snapshots"]:
        state["snapshots"][step] = snapshot_figure(live.comparison(), step, state["canvas"])
    st.plotly_chart(state["snapshots"][step], width="stretch", key="snapshots")


def _gradient_check(live) -> None:
    with st.expander("Backprop check: is the scratch network's maths right?"):
        st.write("Compares the hand-written gradients with central differences and with PyTorch autograd "
                 "(float64). Relative errors near 1e-8 or below mean the backprop is right.")
        scratch = [s for s in live.lineup if s.framework == "numpy"]
        if not scratch:
            st.info("Add a scratch NumPy model to check its gradients.")
        elif st.button("Run the gradient check"):
            rows = [{"model": s.name, **check_config(s.config, live.data.n_classes).to_dict()} for s in scratch]
            st.dataframe(pd.DataFrame(rows), hide_index=True, column_config={
                "vs_numerical": st.column_config.NumberColumn("vs central differences", format="%.2e"),
                "vs_autograd": st.column_config.NumberColumn("vs torch autograd", format="%.2e")})
            worst = max(max(r["vs_numerical"], r["vs_autograd"]) for r in rows)
            (st.success if worst < 1e-5 else st.error)(f"Largest relative error: {worst:.2e}")
