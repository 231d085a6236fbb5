"""MNIST CNN: train the seed's CNN live, look inside it, and let students draw digits for it.

Six tabs (Train, Results, Inside the network, By hand, Try it, Transfer), each a section function that
reads its widgets, calls ``nncore.records`` and draws; only the open tab runs (By hand and Transfer live in
``mnist_hand`` and ``mnist_transfer``). The records they
draw live in the session (``app_pages.session``), the drawing as the canvas's own stroke list.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import chrome, session, takehome
from app_pages.mnist_hand import autograd_view, hand_section
from app_pages.mnist_transfer import transfer_section
from app_pages.mnist_try import try_section
from app_pages.widgets import config_inputs
from nncore import urlstate
from nncore.data.images import IMAGE_DATASETS, ImageData, load_images
from nncore.figures.base import curves_figure
from nncore.figures.images import digits_figure
from nncore.models.checkpoints import list_checkpoints
from nncore.models.cnn import CNNConfig, architecture_dot, layer_table
from nncore.records import mnist as cnn_study
from nncore.records.mnist import CNNRun, TrainedCNN

TABS = ("Train", "Results", "Inside the network", "By hand", "Try it", "Transfer")


@st.cache_resource(show_spinner="Loading images…")
def dataset(name: str) -> ImageData:
    """Read-only tensors, shared by every session (never written to)."""
    return load_images(name)


@st.cache_resource
def samples_figure(name: str):
    """The same 16 training images for everyone: built once per process, only read."""
    d = dataset(name)
    return digits_figure(d.train_images[:16].numpy(), d.classes, d.train_labels[:16].tolist())


def settings_from_link() -> None:
    """Once per session: the training form (and the data set) start from the link's settings."""
    if session.mnist().link is not None:
        return
    params = st.query_params.to_dict()
    config, notices = urlstate.decode_cnn(params)
    session.mnist().link = config
    if params.get("dataset") == config.dataset:
        session.pick_dataset(config.dataset)
    for notice in notices:
        st.warning(notice, icon=":material/link:")


def share(config: CNNConfig) -> None:
    """Write the form's settings into the link (keeping classroom mode and the other view keys)."""
    session.mnist().link = config
    st.query_params.from_dict({**urlstate.view_of(st.query_params.to_dict()), **urlstate.encode_cnn(config)})


def data_section() -> ImageData | None:
    name = st.radio("Dataset", tuple(IMAGE_DATASETS), horizontal=True, key=session.CNN_DATASET,
                    format_func=IMAGE_DATASETS.get)
    try:
        data = dataset(name)
    except RuntimeError as exc:
        chrome.friendly_error("No data could be loaded", exc)
        return None
    st.caption(f"**Source:** {data.source_label} · {data.n_train:,} training and {data.n_test:,} test images")
    return data


def keep_interrupted() -> None:
    """A Stop click (or any widget change) interrupts a running training: keep what it learned."""
    state = session.mnist()
    run = state.take_run()
    if run is not None:
        state.keep(run.key, run.stopped())
        if session.mnist_tab() in (None, TABS[0]):          # a Stop click, not a click on another tab
            state.tab_request = "Results"


def train_tab(data: ImageData, advanced: bool) -> None:
    with st.expander("Sample images"):
        st.plotly_chart(samples_figure(data.name), width="stretch", key="samples")
    train_section(data, advanced)
    checkpoints_section(data)
    with st.expander("Architecture"):
        st.graphviz_chart(architecture_dot())
        st.dataframe(pd.DataFrame(layer_table()), hide_index=True, width="content")
    autograd_view()


def train_section(data: ImageData, advanced: bool) -> None:
    state = session.mnist()
    linked = state.link
    defaults = linked.replace(dataset=data.name) if linked is not None and linked != CNNConfig() else \
        CNNConfig(dataset=data.name, epochs=2 if data.name == "mnist" else 1)
    with st.form("cnn_form"):
        values = config_inputs(defaults, "cnn_", advanced, skip=("dataset",))
        submitted = st.form_submit_button("Train the CNN", type="primary")
    if not submitted:
        return
    try:
        config = defaults.replace(**values)             # settings not on the form keep the link's values
        run = cnn_study.start_run(config, data)
    except ValueError as exc:
        chrome.friendly_error("Check the settings", exc)
        return
    share(config)
    kept = state.models.get(run.key)
    if kept is not None and kept.result.status == "ok":    # finished before in this session: show it
        state.keep(run.key, kept)
    else:                                                   # new, or stopped before: train anew
        refusal = chrome.over_budget_cnn(run.training.estimate(), config)
        if refusal:
            chrome.friendly_error("Over the compute budget", refusal)
            return
        if not train(run):
            return
    state.tab_request = "Results"                           # the live chart gives way to the results
    st.rerun()


def train(run: CNNRun) -> bool:
    """Advance the run a few batches at a time, drawing each frame; a Stop click reruns the page."""
    stop = st.empty()
    stop.button("Stop training", key="cnn_stop", help="Keeps the model trained so far.")
    bar = st.progress(0.0, text=f"Starting: {run.training.estimate()}…")
    chart = st.empty()
    state = session.mnist()
    state.run = run
    try:
        with chrome.trainer_slot():
            drawn = 0                                       # epochs on the live chart
            for frame in run.frames():
                bar.progress(frame.progress, text=frame.label)
                if frame.epoch > drawn:
                    drawn = frame.epoch
                    chart.plotly_chart(curves_figure([("CNN", frame.history)]), width="stretch", key=f"live{drawn}")
        state.take_run()
        state.keep(run.key, run.finished())
    except Exception as exc:  # noqa: BLE001 - a message, never a traceback
        state.take_run()
        chrome.friendly_error("Training failed", exc)
        return False
    finally:
        for placeholder in (stop, bar, chart):
            placeholder.empty()
    return True


def load(key: str, make) -> None:
    try:
        session.mnist().keep(key, make())
    except ValueError as exc:
        chrome.friendly_error("That checkpoint was refused", exc)


def checkpoints_section(data: ImageData) -> None:
    prepared = list_checkpoints(chrome.MODELS_DIR)
    with st.expander("Models prepared before class, and checkpoints",
                     expanded=bool(prepared) and session.mnist().active_model(data.name) is None):
        if prepared:
            pick = st.selectbox("Prepared models", prepared, format_func=lambda p: p.name, key="cnn_prepared")
            if st.button("Load prepared model"):
                load(f"file:{pick.name}", lambda: cnn_study.from_file(pick, data))
        else:
            st.caption("None yet: `python -m nncore mnist --save models/mnist.safetensors` prepares one.")
        upload = st.file_uploader("Upload a checkpoint (.safetensors only)", key="cnn_upload")
        if upload is not None:
            raw = upload.getvalue()
            key = cnn_study.upload_key(raw)
            if key not in session.mnist().models:
                load(key, lambda: cnn_study.from_upload(raw, upload.name, data))


def results_section(active: TrainedCNN, data: ImageData) -> None:
    head, button = st.columns([2, 1], vertical_alignment="center")   # (the whole label at 1024 px)
    head.caption(f"Model: {active.label} · trained on {IMAGE_DATASETS[active.dataset]}")
    button.download_button("Download model", active.checkpoint, key="cnn_download", icon=":material/download:",
                           help="This model as a .safetensors checkpoint, to load again later.",
                           file_name=f"{active.dataset}-cnn.safetensors")
    takehome.cnn_take_home(active.config, data.source)
    result, figs = active.result, active.figures
    m1, m2, m3 = st.columns(3)
    m1.metric("Test accuracy", f"{active.report.accuracy:.2%}")
    m2.metric("Test loss", f"{result.test_loss:.4f}")
    m3.metric("Training", f"{result.train_seconds:.1f} s", f"{result.images_per_second:,.0f} images/s")
    if figs.curves is not None:
        st.plotly_chart(figs.curves, width="stretch", key="cnn_curves")
    left, right = st.columns(2)
    left.plotly_chart(figs.confusion, width="stretch", key="confusion")
    right.plotly_chart(figs.per_class, width="stretch", key="per_class")
    st.plotly_chart(figs.predictions, width="stretch", key="preds")
    if figs.wrong is not None:
        st.plotly_chart(figs.wrong, width="stretch", key="wrong")


def inside_section(active: TrainedCNN, data: ImageData) -> None:
    st.plotly_chart(active.figures.filters, width="stretch", key="filters")
    feature_maps_view(active, data)


@st.fragment
def feature_maps_view(active: TrainedCNN, data: ImageData) -> None:
    """A fragment: another test image reruns only this part, not the page."""
    pick, image = st.columns([1, 3])
    index = pick.number_input("Test image", 0, data.n_test - 1, 0, key="cnn_index",
                              help="Which test image to follow through the network.")
    maps = active.feature_maps(data, index)                  # painted once per image, then reused
    pick.image(maps.image, caption=f"input: {maps.label}", width=168)
    image.image(maps.conv1, caption="conv1: 32 feature maps (26x26), bright where a filter fired")
    image.image(maps.conv2, caption="conv2: 64 feature maps (11x11)")


st.title("MNIST CNN")
advanced = chrome.advanced_settings(chrome.classroom_mode())
settings_from_link()
data = data_section()
if data is None:
    st.stop()
keep_interrupted()
session.apply_tab_request()
tabs = st.tabs(TABS, key=session.MNIST_TAB, on_change="rerun")
active = session.mnist().active_model(data.name)
for tab, section in zip(tabs, (train_tab, results_section, inside_section, hand_section, try_section,
                               transfer_section)):
    if tab.open is False:                                   # only the open tab runs
        continue
    with tab:
        if section is train_tab:
            train_tab(data, advanced)
        elif section is transfer_section:
            transfer_section(advanced, dataset)
        elif active is None:
            others = ", ".join(IMAGE_DATASETS[d] for d in session.mnist().others(data.name))
            st.info(f"No model trained on {IMAGE_DATASETS[data.name]} yet: train one (or load a prepared "
                    "model) in the Train tab." + (f" Your {others} model is kept: choose that data set above "
                                                  "to use it." if others else ""))
        else:
            section(active, data)
