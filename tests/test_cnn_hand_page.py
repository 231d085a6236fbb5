"""The By hand and Transfer tabs and the autograd graphs, through AppTest: they render with no exception,
the sums on screen equal the feature maps' values, and the transfer tab measures and says so."""
import re

import pytest
from streamlit.testing.v1 import AppTest

from app_pages import session
from nncore.engine.transfer_config import TransferConfig
from nncore.models.torch_mlp import TorchMLPConfig
from nncore.teaching.graphs import cnn_autograd_dot, mlp_autograd_dot
from tests.conftest import ROOT
from tests.test_pages import TINY, moons_page, open_after_tab, train_button

NUMBER = r"(-?\d+\.\d{4})"


def test_the_autograd_graphs_are_dot_with_the_layers_operations():
    cnn = cnn_autograd_dot()
    assert cnn.startswith("digraph") and "ConvolutionBackward0" in cnn and "MaxPool2DWithIndicesBackward0" in cnn
    assert "conv1.weight" in cnn and "fc2.bias" in cnn
    mlp = mlp_autograd_dot(TorchMLPConfig(hidden=(4, 3)), 3)
    assert "AddmmBackward0" in mlp and "NllLossBackward0" in mlp and "0.weight" in mlp


def test_the_moons_backprop_view_shows_a_pytorch_models_graph():
    at = moons_page(models=TINY, samples="200")
    train_button(at).click().run()
    at = open_after_tab(at, "Backprop")
    at.session_state["graph_box"] = True
    at = at.run()
    assert not at.exception
    graphs = [g.proto.spec for g in at.get("graphviz_chart")]
    assert any("AddmmBackward0" in g for g in graphs)


@pytest.fixture(scope="module")
def trained():
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300).run()
    at.switch_page("app_pages/mnist.py").run()
    at.toggle(key="advanced_settings").set_value(True).run()
    at.number_input(key="cnn_limit_train").set_value(600)
    at.number_input(key="cnn_epochs").set_value(1)
    next(b for b in at.button if b.label.startswith("Train")).click().run()
    assert not at.exception
    return at


def open_tab(at, label):
    at.session_state[session.MNIST_TAB] = label
    return at.run()


def sums(at, key: str) -> tuple[float, float]:
    text = next(m.value for m in at.markdown if "The feature map holds" in m.value or "the feature map holds" in m.value
                if m.value.startswith("Sum of the " + key))
    z, held = re.search(rf"= \*\*{NUMBER}\*\*.*holds \*\*{NUMBER}\*\*", text).groups()
    return float(z), float(held)


def test_the_by_hand_tab_shows_sums_that_equal_the_maps(trained):
    at = open_tab(trained, "By hand")
    assert not at.exception
    assert any("Nothing drawn yet" in i.value for i in at.info)               # no drawing: a test image instead
    at.radio(key="hand_source").set_value("A test image").run()
    at.number_input(key="hand_index").set_value(7).run()
    at.selectbox(key="hand_f1").set_value(5).run()
    at.selectbox(key="hand_f2").set_value(40).run()
    assert not at.exception
    z1, held1 = sums(at, "nine products")
    z2, held2 = sums(at, "32 channels")
    assert z1 == held1 and z2 == held2
    assert any("conv2 is given the winner" in m.value for m in at.markdown)
    assert at.table and "exp(logit)" in at.table[0].value.columns


def test_the_train_tab_draws_the_cnns_autograd_graph(trained):
    at = open_tab(trained, "Train")
    assert len(at.get("graphviz_chart")) == 1                  # the autograd graph is drawn only when asked for
    at.session_state["cnn_graph_box"] = True
    specs = [g.proto.spec for g in at.run().get("graphviz_chart")]
    assert len(specs) == 2 and any("ConvolutionBackward0" in s for s in specs)


def test_the_transfer_tab_measures_both_arms_from_the_sessions_model(trained):
    at = open_tab(trained, "Transfer")
    assert not at.exception
    at.selectbox(key="tr_labels").set_value("50")
    at.number_input(key="tr_seeds").set_value(2)
    at.number_input(key="tr_steps").set_value(20)
    at.number_input(key="tr_test_images").set_value(200)
    next(b for b in at.button if b.label == "Train and compare").click().run()
    assert not at.exception
    result = session.transfer(at.session_state).result
    assert result is not None and result.config == TransferConfig(labels="50", seeds=2, steps=20, test_images=200)
    assert len(result.rows[0].transfer) == 2 and len(result.rows[0].scratch) == 2
    assert any(m.value.startswith("- 50 labels:") for m in at.markdown)
    state = session.mnist(at.session_state)
    assert result.source_accuracy == pytest.approx(state.active_model("mnist").report.accuracy, abs=0.05)
