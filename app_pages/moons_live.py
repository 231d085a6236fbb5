"""The moons page's results area: the lineup training live, its controls, and what it leaves behind.

Training advances in slices of ``FRAME_SECONDS`` while holding one of the host's trainer slots; after each slice
a frame is drawn into placeholders, so only the live part's elements change. The controls are plain buttons, not
in a fragment, on purpose: Streamlit lets a full rerun (a click outside any fragment) interrupt a running script
at its next element, here between two frames, while a click inside a fragment would wait for the whole training.
"""
from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from app_pages import chrome, moons_board, moons_inside, session, takehome
from app_pages.state import LiveCanvas
from nncore.core.text import count, literal
from nncore.data.toy import load_toy
from nncore.figures.raster import BoundaryPainter, colour_bar_png, png
from nncore.figures.toy import comparison_figures, data_figure
from nncore.records.moons import LiveView, legend, live_view

FRAME_SECONDS = 0.2     # training between two frames: about 4 frames a second with drawing
FIRST_FRAME_SECONDS = 0.05   # the first frame of a run comes sooner: something moves right after the click
STEP = 0.05             # Step: a twentieth of the training
WAIT_SECONDS = 2.0      # the longest a session waiting for a shared result goes without a look
CURVES_SECONDS = 0.6    # the curves are redrawn at most this often (the pictures every frame): a browser's
                        # Plotly redraw of the growing chart is what a frame costs most on a laptop


def _state(live) -> LiveCanvas:
    """Built once per live run: the boundary painter, and what the finished run's views draw once."""
    return session.moons().live_canvas(lambda: LiveCanvas(BoundaryPainter(live.mesh, live.data)))


def _controls(live) -> None:
    """Pause or Resume, Step, Stop, Reset, and Watch the neurons while it trains."""
    running = not live.done
    row = st.container(horizontal=True)               # whole labels at 1024 px with the sidebar (the toggle
                                                      # wraps to a line of its own there)
    label, icon = ("Resume", ":material/play_arrow:") if live.paused else ("Pause", ":material/pause:")
    row.button(label, key=f"live-{label.lower()}", icon=icon, on_click=setattr,
               args=(live, "paused", not live.paused), disabled=not running, width="stretch")
    row.button("Step", key="live-step", icon=":material/skip_next:", on_click=_step, args=(live,),
               disabled=not running, help="Train a twentieth of the way, then pause.", width="stretch")
    row.button("Stop", key="live-stop", icon=":material/stop:", on_click=live.cancel, disabled=not running,
               help="Keep the models as trained so far.", width="stretch")
    row.button("Reset", key="live-reset", icon=":material/restart_alt:", on_click=session.moons().set_live,
               args=(None,), help="Clear the results.", width="stretch")
    if running:                                       # only while it can act; its value is kept meanwhile
        row.toggle("Watch the neurons", key=session.WATCH_NEURONS, persist_state="page",
                   help="Watch every neuron of one model while it trains (below the curves).")


def _step(live) -> None:
    live.paused = True
    live.steps_asked += 1                             # taken below, with a trainer slot, then drawn


def _pictures(pictures) -> None:
    """Each model's boundary picture under its title, three to a row."""
    for row in range(0, len(pictures), 3):
        for col, (title, picture) in zip(st.columns(3, vertical_alignment="bottom"), pictures[row:row + 3]):
            col.markdown(f"**{title}**")
            col.image(picture, width="stretch",          # PNG bytes go out as they are ("auto" would re-encode them as
                      output_format="PNG" if isinstance(picture, bytes) else "auto")   # JPEG); live arrays as JPEG


def _draw(slots, view: LiveView, tag: str, data, done=None) -> None:
    """One view into the slots. ``done``: (live, state) once finished: the pictures get their frame slider
    and the leaderboard its sortable table (both built once)."""
    progress, boundaries, board, curves = slots
    runs = f" · {view.runs} runs of each model (seeds)" if view.runs > 1 else ""
    progress.progress(view.share, text=f"**{view.share:.0%}**{runs} · {view.counters}")
    with boundaries.container():
        if done is None:
            _pictures(view.pictures)
        else:
            _frames(*done)
        bar, words = st.columns([1, 2], vertical_alignment="center")
        bar.image(colour_bar_png(data.n_classes), width="stretch", output_format="PNG",
                  caption=f"P({literal(data.label(1))}): 0 ← 0.5 → 1" if data.n_classes == 2
                  else "unsure → sure, per class")
        words.caption(legend(data, view.runs))
    with board.container():
        moons_board.leaderboard(view, tag, None if done is None else done[1].table)
    if view.curves is not None:
        curves.plotly_chart(view.curves, width="stretch", key=f"curves-{tag}")


def current(data_cfg, lineup, points=None):
    """This session's training of this setup (running, paused or finished); None when there is none, or
    when the settings changed after it finished (the page then shows the new data)."""
    live = session.moons().live
    if live is not None and live.done and (live.data_config, live.lineup, live.points) != (data_cfg, lineup, points):
        return None
    return live


def results_area(data_cfg, lineup, live, points=None, under=None) -> None:
    """The data while ``live`` (this setup's training, from ``current``) is None; else the training, live,
    then its results. ``under`` (the lesson's question) goes under the boundaries, drawn before any training
    so that a failure leaves it in place."""
    if live is None:
        if data_cfg.name == "csv" and points is None:
            st.info("This setup trains on uploaded points, which a link cannot carry: upload the CSV in the "
                    "sidebar (**Your own points**), or pick another dataset.", icon=":material/upload_file:")
            return
        try:
            data = load_toy(data_cfg, points)
        except ValueError as exc:                      # uploaded points this test fraction cannot split
            chrome.friendly_error("Check the data", exc)
            return
        st.plotly_chart(data_figure(data), width="stretch", key="data")
        moons_board.download_points(data_cfg, points)
        st.info(f"Press **Train {count(len(lineup), 'model')}** to watch the boundaries form on this data.")
        return
    state = _state(live)
    was_running = not live.done
    controls = st.empty()
    with controls.container():
        _controls(live)
    slots = (st.empty(), st.empty())                  # progress, boundaries
    if under is not None:
        under()
    slots += (st.empty(), st.empty())                 # leaderboard, curves
    extras = st.empty()                               # what a finished training adds: one element, so a new
                                                      # run's frames never show the last run's, faded, below
    watching = not live.done and session.watching_neurons()
    if watching:
        which = moons_inside.model_picker(live, "neurons_live_model")
        neurons_slot = st.empty()
    frames, curves_at = 0, 0.0
    while live.steps_asked and not live.done:
        live.steps_asked -= 1
        with chrome.trainer_slot():
            live.step(live.share + STEP)
    while not live.done and not live.paused:
        if not chrome.session_connected():            # the tab was closed: stop, free the slot and claims
            live.cancel()
            return
        try:
            if live.needs_trainer:
                with chrome.trainer_slot(while_waiting=live.keep_claims):
                    frame = live.advance_for(FRAME_SECONDS if frames else FIRST_FRAME_SECONDS)
            else:                                     # only waiting for another student's identical model:
                before = live.waiting.count(True)     # redraw when one arrives, not several times a second
                frame = live.advance_for(WAIT_SECONDS)
                if live.waiting.count(True) == before and not live.done:
                    slots[0].progress(live.share, text="Another student is training exactly these models: "
                                                       "their result will be shared with you…")
                    continue                          # (an element: a click can interrupt here)
        except Exception as exc:  # noqa: BLE001 - a student sees a message, the page stays usable
            session.moons().set_live(None)
            controls.empty()
            chrome.friendly_error("Training failed", exc)
            return
        with_curves = time.monotonic() - curves_at >= CURVES_SECONDS
        curves_at = time.monotonic() if with_curves else curves_at
        _draw(slots, live_view(live, state.painter, frame, curves=with_curves), str(frames), live.data)
        if watching:
            with neurons_slot.container():
                moons_inside.neurons(live, which, f"neurons-live-{frames}", clickable=False)
        frames += 1
    if live.done and not state.stored:
        state.stored = True
        session.moons().trainings += len(live.store())   # (shared results do not add)
    if live.done:
        _draw(slots, _final(live, state), "now", live.data, done=(live, state))
        with extras.container():
            _afterwards(live, state)
        if was_running:                               # it finished during this run, which drew its results at once;
            st.rerun()                              # a fresh run redraws the controls (no Pause, Step or Stop)
                                                      # and drops the live neurons (a browser keeps them otherwise)
    else:                                             # paused
        _draw(slots, live_view(live, state.painter), "now", live.data)
        if watching:
            with neurons_slot.container():
                moons_inside.neurons(live, which, "neurons-live-now", clickable=False)


def _final(live, state: LiveCanvas) -> LiveView:
    """The finished view, built once (its pictures as PNG bytes): a rerun only sends it again."""
    if state.final is None:
        view = live_view(live, state.painter)
        view.pictures = [(title, png(picture)) for title, picture in view.pictures]
        state.final, state.table = view, moons_board.final_table(view.board)
    return state.final


def _afterwards(live, state: LiveCanvas) -> None:
    results = live.results()
    board = _final(live, state).board
    with st.container(horizontal=True):               # (a few rows: written with the page, see download_points)
        st.download_button("Download leaderboard (CSV)", moons_board.csv_text(pd.DataFrame(board)),
                           "leaderboard.csv", "text/csv", icon=":material/download:", width="stretch",
                           on_click="ignore")
        moons_board.download_points(live.data_config, live.points, width="stretch")
    takehome.moons_take_home(live.data_config, live.lineup, live.points)
    for r in results:
        if r.status == "diverged":
            st.error(f"**{r.spec.name} diverged.** {r.history.message}", icon=":material/error:")
    here, shared = live.names(trained_here=True), live.names(trained_here=False)
    st.caption(" ".join(["Curves: solid on training data, dashed on test data; loss on a log scale."]
                        + ([f"Trained in this session: {', '.join(here)}."] if here else [])
                        + ([f"Shared from the class's results: {', '.join(shared)} (the same data, settings "
                            "and seed were trained already, so the result is identical)."] if shared else [])))
    sections = {"Neurons": lambda: moons_inside.inside_section(live),
                "Backprop": lambda: moons_inside.backprop_tab(live),
                "What differs": lambda: moons_inside.what_differs(live),
                "Hover & zoom": lambda: _interactive(live, state)}
    chosen = st.segmented_control("Look closer", list(sections), key=session.MOONS_TAB, width="stretch",
                                  help="Inside the trained models. Only the chosen view is computed; click "
                                       "it again to close it.")
    if chosen in sections:
        sections[chosen]()


@st.fragment
def _frames(live, state: LiveCanvas) -> None:
    """The finished boundaries, and under them a slider back through the frames recorded while training
    (every 1/40 of it): moving it reruns only this, and a frame drawn once comes from memory."""
    results = live.results()
    n_frames = max((len(r.snapshots) for r in results), default=0)
    pictures = st.container()
    if n_frames < 2:
        st.caption("These models came from the cache, so no frames of their training were recorded: press "
                   "Reset, then Train, to see them.")
    step = n_frames + 1 if n_frames < 2 else st.select_slider(
        "Through training", range(1, n_frames + 2), n_frames + 1, key="snapshot",
        format_func=lambda k: "the end" if k > n_frames else f"frame {k} of {n_frames}",
        help="Every model's boundary as it was while it trained, frame by frame.")
    if step <= n_frames and step not in state.snapshots:
        frame = []
        for r in results:
            epoch, proba = r.snapshots[min(step, len(r.snapshots)) - 1] if r.snapshots else (0, None)
            frame.append((f"{r.spec.name}: {r.spec.family.unit} {epoch} of {r.spec.planned}",
                          png(state.painter.paint(proba))))      # encoded once: a frame seen comes back as is
        state.snapshots[step] = frame
    with pictures:
        _pictures(_final(live, state).pictures if step > n_frames else state.snapshots[step])


def _interactive(live, state: LiveCanvas) -> None:
    """The final boundaries as an interactive chart (hover for each point's probability, zoom in)."""
    if state.interactive is None:
        state.interactive = comparison_figures(live.comparison())["boundaries"]
    st.plotly_chart(state.interactive, width="stretch", key="interactive")
