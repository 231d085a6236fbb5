"""The MNIST page's "Transfer" tab: a CNN trained on one image set, its convolution layers frozen, and
its head fine-tuned on a few labels of the other set, measured against the same CNN trained from scratch
on the same labels, over several seeds. Within the compute budget, with a progress bar and Stop."""
from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from app_pages import chrome, session
from app_pages.widgets import config_inputs
from nncore.data.images import IMAGE_DATASETS, ImageData
from nncore.engine.transfer import TransferConfig, TransferResult, TransferTraining, over_budget
from nncore.engine.transfer_config import spread

ABOUT = ("Do filters learned on one set help on another? A CNN is trained on the first set; its conv1 and "
         "conv2 are kept, and only its head (fc1, fc2) learns from a few labelled images of the other set. "
         "Beside it, the same CNN learns from scratch on the same labels, from the same initial head. Each "
         "count is repeated over seeds, so the spread says whether a gap is real.")


def transfer_section(advanced: bool, load: Callable[[str], ImageData]) -> None:
    study = session.transfer()
    study.keep_interrupted()                           # a Stop click: what it measured so far is kept
    st.caption(ABOUT)
    with st.form("transfer_form"):
        values = config_inputs(TransferConfig(), "tr_", advanced)
        own = st.checkbox("Start from this session's model of the first set, when there is one", value=True,
                          help="Else a CNN is trained on it first (part of the cost below).")
        submitted = st.form_submit_button("Train and compare", type="primary")
    if submitted:
        start(values, own, load)
    if study.result is not None:
        show(study.result, study.figure)


def start(values: dict, own: bool, load: Callable[[str], ImageData]) -> None:
    try:
        config = TransferConfig(**values)
        source, target = load(config.source), load(config.target)
    except (ValueError, RuntimeError) as exc:
        chrome.friendly_error("Check the settings", exc)
        return
    mine = session.mnist().active_model(config.source) if own else None
    run = TransferTraining(config, source, target, source_model=mine.model if mine is not None else None)
    refusal = over_budget(run.estimate(), config, chrome.BUDGET_SECONDS)
    if refusal:
        chrome.friendly_error("Over the compute budget", refusal)
        return
    stop = st.empty()
    stop.button("Stop", key="transfer_stop", help="Keeps the comparisons measured so far.")
    bar = st.progress(0.0, text=f"Starting: {run.estimate()}…")
    study = session.transfer()
    study.run = run
    try:
        with chrome.trainer_slot():
            while not run.done:
                frame = run.advance(batches=10)
                bar.progress(frame.progress, text=frame.label)
        study.keep(run.result())
    except Exception as exc:  # noqa: BLE001 - a message, never a traceback
        study.run = None
        chrome.friendly_error("Training failed", exc)
    finally:
        stop.empty()
        bar.empty()


def show(result: TransferResult, figure) -> None:
    c = result.config
    if result.status != "ok":
        st.warning(f"Stopped: {result.message}. What was measured before is shown.", icon=":material/stop_circle:")
    st.markdown(f"First set: **{IMAGE_DATASETS[c.source]}**, whose model scores **{result.source_accuracy:.1%}** on "
                f"its own test images; then **{IMAGE_DATASETS[c.target]}**, {c.steps} steps of Adam on batches "
                f"of 32, {c.seeds} seed{'s' if c.seeds > 1 else ''}, accuracy on {c.test_images:,} test images.")
    st.plotly_chart(figure, width="stretch", key="transfer_chart", config={"displayModeBar": False})
    rows = [{"labels": r.used, "transfer": _spread(r.transfer), "scratch": _spread(r.scratch),
             "seconds each (transfer)": _seconds(r.transfer_seconds),
             "seconds each (scratch)": _seconds(r.scratch_seconds)}
            for r in result.rows]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    with st.container(key="transfer_verdicts"):
        st.markdown("\n".join(f"- {r.verdict(c.source)}" for r in result.rows))
    st.caption("Measured on this server just now, nothing quoted. Try the other direction, or Frozen layers "
               "“conv1” or “nothing”, to see where filters from one set help the other.")


def _spread(values: list[float]) -> str:
    s = spread(values)
    return "–" if s["mean"] is None else f"{s['mean']:.1%} ± {s['std']:.1%}"


def _seconds(values: list[float]) -> str:
    return f"{sum(values) / len(values):.2f} s" if values else "–"
