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
    if not session.canvas_mounted():
        state.mount_canvas()              # a fresh canvas (after a tab or page change) starts from the strokes
    result = st_canvas(stroke_width=16, stroke_color="#ffffff", background_color="#000000", height=CANVAS,
                       width=CANVAS, drawing_mode="freedraw", key=state.canvas_key,
                       initial_drawing=state.canvas_drawing)
    return state.canvas_reported(list((result.json_data or {}).get("objects") or []))


# Undo and Clear act in the browser when the canvas's own history can do it (its toolbar's Undo, and its
# Reset back to the empty drawing it started from): at once, so a stroke drawn right after is kept. A
# redraw from the server (a new initial drawing) would wipe a stroke drawn before it arrived. Only what the
# canvas's history cannot reach (below the strokes a remounted canvas started from) is redrawn from here.
_IN_BROWSER_JS = """
export default function (component) {
  const { data, parentElement } = component;
  const doc = parentElement.ownerDocument;
  const canvasButton = (label) => {
    for (const el of doc.querySelectorAll("*")) {
      const b = el.shadowRoot && el.shadowRoot.querySelector(`.dc-toolbar button[aria-label="${label}"]`);
      if (b) return b;
    }
    return null;
  };
  let hook = doc.nncoreCanvasButtons;
  if (!hook) {
    hook = doc.nncoreCanvasButtons = { data };
    doc.addEventListener("click", (event) => {
      const host = event.target.closest && event.target.closest(".st-key-canvas_undo, .st-key-canvas_clear");
      const button = host && host.querySelector("button");
      if (!button || button.disabled) return;
      const undo = host.classList.contains("st-key-canvas_undo");
      if (!(undo ? hook.data.undo : hook.data.clear)) return;
      const target = canvasButton(undo ? "Undo" : "Reset canvas & history");
      if (target && !target.disabled) target.click();
    }, true);
  }
  hook.data = data;
}
"""


@st.cache_resource
def _in_browser():
    return st.components.v2.component("nncore_canvas_buttons", js=_IN_BROWSER_JS)


def drawing_column() -> tuple[list, object]:
    objects = canvas()
    state = session.mnist()
    undo, clear = st.columns(2)
    undo.button("Undo", disabled=not objects, width="stretch", help="Take back the last stroke.", key="canvas_undo",
                on_click=state.undo_canvas)
    clear.button("Clear", disabled=not objects, width="stretch", key="canvas_clear", on_click=state.clear_canvas)
    with undo:
        _in_browser()(data=state.canvas_in_browser, key="canvas_buttons")
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
