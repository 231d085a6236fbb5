"""MNIST CNN: train the seed's CNN live, look inside it, and let students draw digits for it."""
from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st
import torch

from app_pages import chrome, session
from nncore.core.history import History
from nncore.core.settings import config_key, settings_of
from nncore.data.digits import mnist_style, read_upload, to_gray
from nncore.data.images import IMAGE_DATASETS, load_images, normalize
from nncore.figures.base import bar_figure, curves_figure
from nncore.figures.images import cnn_result_figures, digits_figure, feature_maps_figure, image_grid_figure
from nncore.models import cnn
from nncore.models.checkpoints import checkpoint_bytes, list_checkpoints, load_checkpoint, load_checkpoint_bytes
from nncore.models.cnn import CNNConfig

_CNN_SETTINGS = settings_of(CNNConfig)
RECIPES, DEVICES = _CNN_SETTINGS["recipe"].choices, _CNN_SETTINGS["device"].choices

st.title("MNIST CNN")
advanced = chrome.advanced_settings(chrome.classroom_mode())


@st.cache_resource(show_spinner="Loading images…")
def dataset(name: str):
    """Read-only tensors, shared by every session (never written to)."""
    return load_images(name)


name = st.radio("Dataset", tuple(IMAGE_DATASETS), horizontal=True, key="cnn_dataset",
                format_func=IMAGE_DATASETS.get)
try:
    data = dataset(name)
except RuntimeError as exc:
    chrome.friendly_error("No data could be loaded", exc)
    st.stop()
st.caption(f"**Source:** {data.source_label} · {data.n_train:,} training and {data.n_test:,} test images")


@st.cache_resource
def samples_figure(name: str):
    """The same 16 training images for everyone: built once per process, only read."""
    d = dataset(name)
    return digits_figure(d.train_images[:16].numpy(), d.classes, d.train_labels[:16].tolist())


with st.expander("Sample images"):
    st.plotly_chart(samples_figure(name), width="stretch", key="samples")

models = session.cnn_models()


def keep(key: str, result: cnn.CNNResult, label: str) -> None:
    """Store a model with everything shown about it (its test report, figures and checkpoint bytes,
    computed once here rather than on every rerun) and make it the active one."""
    report = cnn.test_report(result.model, data.test_images, data.test_labels)
    figures = cnn_result_figures(result.history, report, data.test_images.numpy(), data.test_labels.numpy(),
                                 data.classes, result.model.conv1.weight.detach().cpu().numpy())
    checkpoint = checkpoint_bytes(result.model, {"dataset": data.name, "classes": list(data.classes),
                                                 "test_accuracy": report.accuracy})
    models[key] = {"result": result, "report": report, "label": label, "dataset": data.name,
                   "figures": figures, "checkpoint": checkpoint, "feature_maps": {}}
    session.set_active_cnn(key)


# A Stop click (or any widget change) interrupts a running training: keep what it learned.
partial = session.take_partial_cnn()
if partial is not None:
    keep(partial["key"], cnn.result_so_far(partial["model"], partial["history"], data, partial["n_train"]),
         partial["label"] + " (stopped)")

st.header("Train")
with st.form("cnn_form"):
    a, b, c = st.columns(3)
    epochs = a.number_input("Epochs", 1, 30, 2 if name == "mnist" else 1, key="cnn_epochs")
    recipe = b.selectbox("Recipe", RECIPES, index=RECIPES.index("fast"), key="cnn_recipe",
                         help="seed: Adam, batch 64, constant rate. fast: batch 256, one-cycle, bf16 where native.")
    device = c.selectbox("Device", DEVICES, key="cnn_device",
                         help="auto uses CUDA when present." + ("" if torch.cuda.is_available() else " (no CUDA here)"))
    values = {"dataset": name, "epochs": epochs, "recipe": recipe, "device": device}
    if advanced:
        a, b, c = st.columns(3)
        values["batch_size"] = a.number_input("Batch size (0 = recipe's)", 0, 4096, 0, key="cnn_batch")
        values["learning_rate"] = b.number_input("Learning rate (0 = recipe's)", 0.0, 1.0, 0.0, 0.0005,
                                                 format="%.4f", key="cnn_lr")
        values["limit_train"] = c.number_input("Training images (0 = all)", 0, 60000, 0, 1000, key="cnn_limit")
    submitted = st.form_submit_button("Train the CNN", type="primary")

if submitted:
    try:
        config = CNNConfig(**values)
        cnn.pick_device(config.device)
    except ValueError as exc:
        chrome.friendly_error("Check the settings", exc)
    else:
        key = config_key(config, data.source)
        if key in models:
            session.set_active_cnn(key)
        else:
            stop = st.empty()
            stop.button("Stop training", key="cnn_stop", help="Keeps the model trained so far.")
            bar, chart = st.progress(0.0, text="Starting…"), st.empty()
            model, history = cnn.new_model(config.seed), History()
            n_train = min(config.limit_train or data.n_train, data.n_train)
            label = f"{name} · {config.recipe} · {config.epochs} epochs"
            session.set_partial_cnn(dict(key=key, model=model, history=history, n_train=n_train, label=label))

            def on_batch(done, total, loss):
                if done % 10 == 0 or done == total:
                    bar.progress(done / total, text=f"batch {done}/{total} · loss {loss:.3f}")

            def on_epoch(h):
                chart.plotly_chart(curves_figure([("CNN", h)]), width="stretch", key=f"live{h.epoch[-1]}")

            try:
                with chrome.trainer_slot():
                    result = cnn.train_cnn(data, config, model=model, history=history, on_batch=on_batch,
                                           on_epoch=on_epoch)
                session.take_partial_cnn()
                keep(key, result, label)
                stop.empty()
                bar.empty()
            except Exception as exc:  # noqa: BLE001 - a message, never a traceback
                session.take_partial_cnn()
                chrome.friendly_error("Training failed", exc)

prepared = list_checkpoints(chrome.MODELS_DIR)
with st.expander("Models prepared before class, and checkpoints",
                 expanded=bool(prepared) and session.active_cnn_key() is None):
    if prepared:
        pick = st.selectbox("Prepared models", prepared, format_func=lambda p: p.name, key="cnn_prepared")
        if st.button("Load prepared model"):
            try:
                model, meta = load_checkpoint(pick)
                keep(f"file:{pick.name}", cnn.result_so_far(model, History(), data, 0), f"prepared: {pick.name}")
            except ValueError as exc:
                chrome.friendly_error("That checkpoint was refused", exc)
    else:
        st.caption("None yet: `python -m nncore mnist --save models/mnist.safetensors` prepares one.")
    upload = st.file_uploader("Upload a checkpoint (.safetensors only)", key="cnn_upload")
    if upload is not None:
        raw = upload.getvalue()
        key = "upload:" + hashlib.sha256(raw).hexdigest()[:16]
        if key not in models:
            try:
                model, meta = load_checkpoint_bytes(raw)
                keep(key, cnn.result_so_far(model, History(), data, 0), f"uploaded: {upload.name}")
            except ValueError as exc:
                chrome.friendly_error("That checkpoint was refused", exc)

st.header("Architecture")
st.graphviz_chart(cnn.architecture_dot())
st.dataframe(pd.DataFrame(cnn.layer_table()), hide_index=True, width="content")

active = models.get(session.active_cnn_key())
if active is None:
    st.info("Train the CNN (or load a prepared model) to see results, look inside it and draw digits.")
    st.stop()
if active["dataset"] != data.name:
    st.warning(f"The active model was trained on {active['dataset']}; its results below are on {data.name}.")
result, report = active["result"], active["report"]
st.download_button("Download this model (.safetensors)", active["checkpoint"], key="cnn_download",
                   file_name=f"{active['dataset']}-cnn.safetensors")

st.header("Results")
st.caption(f"Model: {active['label']}")
m1, m2, m3 = st.columns(3)
m1.metric("Test accuracy", f"{report.accuracy:.2%}")
m2.metric("Test loss", f"{result.test_loss:.4f}")
m3.metric("Training", f"{result.train_seconds:.1f} s", f"{result.images_per_second:,.0f} images/s")
figs = active["figures"]
if figs["curves"] is not None:
    st.plotly_chart(figs["curves"], width="stretch", key="cnn_curves")
left, right = st.columns(2)
left.plotly_chart(figs["confusion"], width="stretch", key="confusion")
right.plotly_chart(figs["per_class"], width="stretch", key="per_class")
st.plotly_chart(figs["predictions"], width="stretch", key="preds")
if figs["wrong"] is not None:
    st.plotly_chart(figs["wrong"], width="stretch", key="wrong")

st.header("Inside the network")
st.plotly_chart(figs["filters"], width="stretch", key="filters")
index = st.number_input("Test image", 0, data.n_test - 1, 0, key="cnn_index")
if index not in active["feature_maps"]:                     # built once per image looked at
    a1, a2 = cnn.feature_maps(result.model, data.test_images[index])
    active["feature_maps"][index] = (
        digits_figure(data.test_images[index:index + 1].numpy(), data.classes, [int(data.test_labels[index])],
                      cols=1, title="input", width=240),
        feature_maps_figure(a1, "conv1 feature maps (32, 26x26)"),
        feature_maps_figure(a2, "conv2 feature maps (64, 11x11)"))
fm_input, fm1, fm2 = active["feature_maps"][index]
st.plotly_chart(fm_input, width="content", key="fm_input")
st.plotly_chart(fm1, width="stretch", key="fm1")
st.plotly_chart(fm2, width="stretch", key="fm2")

st.header("Try it")
st.caption("Draw a digit (white on black), or upload a PNG or JPEG photo of one.")
draw, seen = st.columns(2)
with draw:
    from streamlit_drawable_canvas import st_canvas  # needs a running Streamlit; imported here
    canvas = st_canvas(stroke_width=18, stroke_color="#ffffff", background_color="#000000", height=280, width=280,
                       drawing_mode="freedraw", key=f"canvas{session.canvas_generation()}", return_image_data=True)
    if st.button("Clear the drawing"):
        session.clear_canvas()
        st.rerun()
    photo = st.file_uploader("…or upload an image", type=["png", "jpg", "jpeg"], key="digit_upload")
drawing = None
if photo is not None:
    try:
        drawing = read_upload(photo.getvalue())
    except ValueError as exc:
        chrome.friendly_error("That image was refused", exc)
elif canvas is not None and canvas.image_data is not None:
    # Strokes are kept here, not only on the canvas: the canvas may redraw itself empty after a rerun.
    objects = (canvas.json_data or {}).get("objects")
    drawing = session.add_ink(None if objects == [] else to_gray(canvas.image_data))
if drawing is not None:
    x = mnist_style(drawing)
    if x.max() == 0:
        seen.info("Nothing drawn yet.")
    else:
        proba = cnn.predict_log_proba(result.model, normalize(torch.from_numpy(x * 255).round().to(torch.uint8)
                                                              .unsqueeze(0))).exp()[0].numpy()
        guess = int(proba.argmax())
        seen.plotly_chart(image_grid_figure(x[None], ["what the network sees (28x28)"], cols=1, zrange=(0, 1),
                                            cell=260, width=280), width="content", key="seen")
        seen.subheader(f"Prediction: {data.classes[guess]} ({proba[guess]:.0%})")
        st.plotly_chart(bar_figure(data.classes, proba, "Probability per class", highlight=guess),
                        width="stretch", key="proba")
