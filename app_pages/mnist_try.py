"""The MNIST page's "Try it" tab: a student draws a digit (or uploads a photo of one) and sees what
the network makes of it, what it was given, and which pixels decided.

The drawing's one record is the canvas's own stroke list, kept in the session: the canvas is
started from it and reports it back, and the network's input is painted from it server-side
(``nncore.data.digits.strokes_to_ink``), so what the canvas shows is what the network is given.
"""
from __future__ import annotations

import streamlit as st

from app_pages import chrome, session
from nncore.data.digits import MAX_UPLOAD_BYTES, read_upload
from nncore.data.images import ImageData
from nncore.figures.base import bar_figure
from nncore.figures.images import digit_picture, saliency_picture
from nncore.records import mnist as cnn_study
from nncore.records.mnist import Classified, TrainedCNN

CANVAS = 240                         # the drawing canvas's side in pixels (fits a 1024-wide screen)


def canvas() -> list:
    """The drawing canvas; returns its stroke list, the drawing's one record."""
    from streamlit_drawable_canvas import st_canvas  # needs a running Streamlit; imported here
    state = session.mnist()
    if not session.canvas_mounted() and state.strokes != state.canvas_base:
        state.remount_canvas()            # a fresh canvas (after a tab or page change) starts from the strokes
    result = st_canvas(stroke_width=16, stroke_color="#ffffff", background_color="#000000", height=CANVAS,
                       width=CANVAS, drawing_mode="freedraw", key=state.canvas_key,
                       initial_drawing={"objects": state.canvas_base})
    state.strokes = list((result.json_data or {}).get("objects") or [])    # what it reports is the drawing
    return state.strokes


def drawing_column() -> tuple[list, object]:
    objects = canvas()
    undo, clear = st.columns(2)
    if undo.button("Undo", disabled=not objects, width="stretch", help="Take back the last stroke."):
        session.mnist().remount_canvas(objects[:-1])
        st.rerun()
    if clear.button("Clear", disabled=not objects, width="stretch"):
        session.mnist().remount_canvas([])
        st.rerun()
    return objects, st.file_uploader("…or upload a photo of a digit", type=["png", "jpg", "jpeg"],
                                     max_upload_size=MAX_UPLOAD_BYTES // 2**20,
                                     key="digit_upload")


def try_section(active: TrainedCNN, data: ImageData) -> None:
    draw, verdict_column = st.columns([1.1, 1])
    with draw:
        st.caption("Draw a digit, white on black, or upload a photo of one.")
        objects, photo = drawing_column()
    verdict: Classified | None = None
    if photo is not None:
        verdict_column.info("**Using the uploaded photo**, not the drawing. Remove the photo (×) to draw again.",
                            icon=":material/photo_camera:")
        try:
            verdict = cnn_study.classify_photo(active.model, read_upload(photo.getvalue()))
        except ValueError as exc:
            with verdict_column:
                chrome.friendly_error("That image was refused", exc)
            return
    else:
        verdict = cnn_study.classify_strokes(active.model, objects, (CANVAS, CANVAS))
    with verdict_column:
        if verdict is None:
            st.info("Nothing drawn yet." if photo is None else "No digit found in the photo.")
            return
        show_verdict(verdict, data.classes)


def show_verdict(verdict: Classified, classes) -> None:
    """The prediction, what the network saw and why (saliency), then the probabilities."""
    name = classes[verdict.best]
    st.subheader(f"Prediction: {name} ({verdict.confidence:.0%})")
    seen, why = st.columns(2)
    seen.image(digit_picture(verdict.image), caption="What the network sees (28x28)", width="stretch")
    why.image(saliency_picture(verdict.saliency, verdict.image), width="stretch",
              caption=f"Why: red pixels pushed toward {name}, blue ones against")
    st.plotly_chart(bar_figure(classes, verdict.proba, "Probability per class", highlight=verdict.best, height=240),
                    width="stretch", key="proba")
