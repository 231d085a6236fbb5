"""The MNIST page's "By hand" tab: the CNN computed by hand on the student's own drawing (or a test
image). Click a cell of a feature map: its patch, kernel, products, sum, bias, ReLU and pooling window;
then conv2's same cell as a sum over 32 channels; then fc1, the logits and the softmax. Every number
comes from ``nncore.teaching.cnn_hand``, which reads the model's own forward pass. Also the Train tab's
autograd picture (``nncore.teaching.graphs``)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app_pages import session
from app_pages.mnist_try import CANVAS
from nncore.data.images import ImageData
from nncore.figures.hand import CELL, WINDOW, channels_figure, grid_markdown, map_picture
from nncore.records.mnist import TrainedCNN
from nncore.teaching import cnn_hand
from nncore.teaching.graphs import GRAPH_NOTE, cnn_autograd_dot

SOURCES = ("Your drawing", "A test image")
# (style only) the 3x3 grids side by side fit a 1024-pixel screen: tight cells, digits in columns
_CSS = ("<style>[class*='st-key-hand_'] th, [class*='st-key-hand_'] td { padding: 0.1rem 0.25rem; "
        "font-size: 0.85rem; font-variant-numeric: tabular-nums; }</style>")


def clicked_cell(picture: np.ndarray, side: int, key: str, default: tuple[int, int]) -> tuple[int, int]:
    """The clickable map; the cell of its last click (or ``default`` before any)."""
    from streamlit_image_coordinates import streamlit_image_coordinates
    click = streamlit_image_coordinates(picture, key=key, width="stretch", cursor="crosshair")
    if not click or not click.get("height"):
        return default
    row = int(click["y"] * side / click["height"])
    col = int(click["x"] * side / click["width"])
    return min(max(row, 0), side - 1), min(max(col, 0), side - 1)


def pick_image(data: ImageData):
    """(uint8 28x28 image, what it is) from the drawing or a test image."""
    left, right = st.columns([1.4, 1])
    source = left.radio("Image", SOURCES, horizontal=True, key="hand_source")
    if source == SOURCES[0]:
        image = cnn_hand.drawing_image(session.mnist().strokes, (CANVAS, CANVAS))
        if image is not None:
            return image, "your drawing"
        right.info("Nothing drawn yet: draw a digit in the **Try it** tab. Meanwhile, test image 0.")
        index = 0
    else:
        index = right.number_input("Test image", 0, data.n_test - 1, 0, key="hand_index")
    return data.test_images[index], f"test image {index} ({data.classes[int(data.test_labels[index])]})"


def pool_markdown(pool, what: str) -> str:
    """The pooling window after ReLU, its winner in bold, and where it goes."""
    rows, cols = range(pool.top, pool.top + 2), range(pool.left, pool.left + 2)
    return (f"**2x2 max pool**: the window rows {pool.top}–{pool.top + 1}, columns {pool.left}–{pool.left + 1} "
            f"(after ReLU; the winner in bold):\n\n{grid_markdown(pool.values, rows, cols, bold=pool.winner)}\n\n"
            f"{what} is given the winner, **{pool.pooled:.4f}**, at pooled cell ({pool.top // 2}, {pool.left // 2}).")


def filter_and_cell(column, layer: str, z: np.ndarray, scale: int, cell_of):
    """A layer's filter (starting at the one that fires the most), its map after ReLU drawn ``scale`` pixels a
    cell with the chosen cell and its pooling window marked, and that cell by hand: (filter, row, col, cell).
    A click on another cell keeps it (``session.hand_cell``) and reruns the fragment."""
    f = column.selectbox(f"{layer} filter", range(len(z)), index=int(np.argmax(z.max(axis=(1, 2)))),
                         key=f"hand_f{layer[-1]}", help="It starts at the filter that fires the most on this image.")
    maps = np.maximum(z[f], 0)
    default = tuple(int(v) for v in np.unravel_index(int(np.argmax(maps)), maps.shape))
    row, col = session.hand_cell(layer, default)
    c = cell_of(f, row, col)
    boxes = [(row, col, 1, 1, CELL)] + ([(c.pool.top, c.pool.left, 2, 2, WINDOW)] if c.pool else [])
    with column:
        picked = clicked_cell(map_picture(maps, scale, boxes[::-1]), len(maps), f"hand_click{layer[-1]}", default)
    if picked != (row, col):
        session.hand_cell(layer, default, picked)
        st.rerun(scope="fragment")
    return f, row, col, c


def conv1_view(t: cnn_hand.Trace) -> None:
    st.subheader("1 · conv1: one cell of a feature map, by hand")
    left, picture, pool = st.columns([1.1, 0.8, 1.1])
    f, row, col, c = filter_and_cell(left, "conv1", t.z1, 10, lambda f, r, k: cnn_hand.conv1_cell(t, f, r, k))
    left.caption(f"Filter {f}'s 26x26 map after ReLU (bright: large). **Click a cell**; red: cell {(row, col)}, "
                 "yellow: its pooling window.")
    rows, cols = range(row, row + 3), range(col, col + 3)
    picture.image(map_picture(t.x, 6, [(row, col, 3, 3, CELL)]), width="stretch",
                  caption="The input (normalised: (pixel/255 − 0.1307) / 0.3081) and the 3x3 patch")
    pool.container(key="hand_pool1").markdown(pool_markdown(c.pool, "conv2"))
    a, b, p = st.columns(3, gap="small")
    with a.container(key="hand_patch"):
        st.markdown("**Input patch**\n\n" + grid_markdown(c.patch, rows, cols))
    with b.container(key="hand_kernel"):
        st.markdown(f"**× filter {f}'s kernel**\n\n" + grid_markdown(c.kernel, range(3), range(3)))
    with p.container(key="hand_products"):
        st.markdown("**= nine products**\n\n" + grid_markdown(c.products, rows, cols))
    with st.container(key="hand_sum"):
        st.markdown(f"Sum of the nine products **{c.total:.4f}** + bias **{c.bias:.4f}** = **{c.z:.4f}**. "
                    f"The feature map holds **{c.map_value:.4f}** at ({row}, {col}). "
                    f"After ReLU (max(0, ·)): **{c.relu:.4f}**.")


def conv2_view(t: cnn_hand.Trace) -> None:
    st.subheader("2 · conv2: the same sum, over 32 input channels")
    left, right = st.columns([1, 1.6])
    f, row, col, c = filter_and_cell(left, "conv2", t.z2, 20, lambda f, r, k: cnn_hand.conv2_cell(t, f, r, k))
    left.caption(f"Filter {f}'s 11x11 map after ReLU. Click a cell; red: cell {(row, col)}.")
    big = c.biggest(3)
    right.plotly_chart(channels_figure(c.channel_sums, big), width="stretch", key="hand_channels",
                       config={"displayModeBar": False})
    for column, ch in zip(st.columns(3), big):
        column.container(key=f"hand_channel{ch}").markdown(
            f"**Channel {ch}** adds **{c.channel_sums[ch]:.4f}**: its patch\n\n"
            + grid_markdown(c.patches[ch], range(row, row + 3), range(col, col + 3), digits=3)
            + "\n\n× kernel\n\n" + grid_markdown(c.kernels[ch], range(3), range(3), digits=3))
    with st.container(key="hand_sum2"):
        st.markdown(f"Sum of the 32 channels' sums **{c.total:.4f}** + bias **{c.bias:.4f}** = **{c.z:.4f}**; "
                    f"the feature map holds **{c.map_value:.4f}** at ({row}, {col}). After ReLU: **{c.relu:.4f}**.")
    if c.pool is None:
        st.markdown("**No pooling window**: 11 rows do not split into pairs, so the 2x2 pool drops row 10 and "
                    "column 10. Nothing after this layer reads this cell.")
    else:
        st.container(key="hand_pool2").markdown(pool_markdown(c.pool, "fc1"))


def head_view(t: cnn_hand.Trace, classes) -> None:
    st.subheader("3 · From 1,600 features to a verdict")
    strongest = cnn_hand.strongest_unit(t)
    unit = st.number_input("fc1 unit", 0, 99, strongest,
                           help=f"It starts at unit {strongest}, the one that pushes the winning class up the most.")
    h = cnn_hand.head(t, unit)
    st.markdown(f"conv2's 64 pooled 5x5 maps, flattened: **1,600 values** go into each of fc1's 100 units. "
                f"Unit {unit}'s strongest inputs (value × weight):")
    st.dataframe(pd.DataFrame(h.inputs), hide_index=True, width="stretch",
                 column_config={k: st.column_config.NumberColumn(format="%.4f")
                                for k in ("value", "weight", "product")})
    st.markdown(f"Unit {unit}: the 1,600 products sum to **{h.unit_total:.4f}**, + bias **{h.unit_bias:.4f}** = "
                f"**{h.unit_z:.4f}** (the model's fc1 gives **{h.unit_map:.4f}**); after ReLU "
                f"**{max(h.unit_z, 0):.4f}**. fc2 turns the 100 units into 10 logits; softmax turns those into "
                f"probabilities: exp(logit), divided by their sum, **{h.exp_sum:.6g}**.")
    table = pd.DataFrame({"class": list(classes), "logit": [f"{v:.4f}" for v in h.logits],
                          "exp(logit)": [f"{v:.6g}" for v in h.exps],
                          "exp / sum": [f"{v:.4%}" for v in h.proba],
                          "the model's own": [f"{v:.4%}" for v in h.model_proba]})
    with st.container(key="hand_softmax"):
        st.table(table.set_index("class"))
    st.markdown(f"Most probable: **{classes[h.best]}** ({h.proba[h.best]:.1%}).")


@st.fragment
def hand_section(active: TrainedCNN, data: ImageData) -> None:
    """A fragment: a click or a pick reruns only this tab."""
    st.html(_CSS)
    st.caption("Every number below is read from this model's own forward pass on one image, then worked "
               "out by hand beside the value the layer computed.")
    image, what = pick_image(data)
    t = cnn_hand.trace(active.model, image)
    st.caption(f"Following {what} through the network.")
    conv1_view(t)
    conv2_view(t)
    head_view(t, data.classes)


@st.cache_resource
def autograd_dot() -> str:
    """The CNN's autograd graph as DOT, built once per process (its shape never changes)."""
    return cnn_autograd_dot()


def autograd_view() -> None:
    """The Train tab's autograd picture, as the seed drew its model."""
    graph = st.expander("What autograd records (torchviz.make_dot, as the seed drew it)", key="cnn_graph_box",
                        on_change="rerun")
    if graph.open:                      # drawn only while open: a graph laid out in a closed box stays blank
        with graph:
            st.caption(GRAPH_NOTE)
            st.graphviz_chart(autograd_dot())
