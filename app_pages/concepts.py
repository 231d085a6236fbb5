"""Concepts: the seed's interview questions, made interactive."""
import streamlit as st

from app_pages import chrome
from nncore.core.activations import ACTIVATIONS, SOFTMAX_DERIVATIVE_FORMULA, SOFTMAX_FORMULA, SOFTMAX_USE
from nncore.figures.toy import activation_figure

st.title("Concepts")
chrome.classroom_mode()

st.header("Activation functions")
st.write("Without a non-linear activation, a stack of layers is just one linear map. Each activation "
         "below is drawn with its derivative, which is what backprop multiplies by at every layer.")
cards = [(name, a.formula, a.derivative_formula, a.use) for name, a in ACTIVATIONS.items()]
cards.append(("softmax", SOFTMAX_FORMULA, SOFTMAX_DERIVATIVE_FORMULA, SOFTMAX_USE))
for row in range(0, len(cards), 2):
    for col, (name, formula, derivative, use) in zip(st.columns(2), cards[row:row + 2]):
        with col:
            st.subheader(name)
            st.latex(formula)
            st.latex(derivative)
            st.caption(use)
            st.plotly_chart(activation_figure(name), width="stretch", key=f"act-{name}")

st.header("Shallow vs deep")
st.markdown("""
A network with **one wide hidden layer** can in principle approximate any smooth boundary (the universal
approximation theorem), but it may need very many units. **Deep** networks reuse features layer by layer,
so they often need fewer parameters for the same boundary, at the price of harder optimisation:
gradients must flow back through every layer (vanishing gradients with sigmoid, dead units with ReLU),
which is why initialisation, batch norm and Adam matter. The *Shallow vs deep* preset shows it on the
three-armed spiral: four units in one layer score about 75 %, the same four units stacked three deep
above 90 % (the neuron view shows how the later layers combine the first layer's straight cuts).
""")
st.page_link("app_pages/moons.py", label="Open the moons page on the 'Shallow vs deep' preset",
             icon=":material/scatter_plot:",
             query_params={"preset": "shallow-vs-deep"})

st.header("Deep learning: advantages and disadvantages")
good, bad = st.columns(2)
with good:
    st.subheader("Advantages")
    st.markdown("""
- **Learns its own features.** The CNN's first-layer filters (MNIST page) are edge and stroke detectors
  nobody programmed.
- **Scales with data and compute.** More images and epochs keep improving accuracy on the MNIST page.
- **Flexible boundaries.** On the moons page, one architecture fits moons, circles, XOR and spirals.
- **One toolkit.** The same gradient descent trains every model on these pages.
""")
with bad:
    st.subheader("Disadvantages")
    st.markdown("""
- **Needs data and compute.** The CNN needs thousands of labelled images; a linear model needs none of that.
- **Sensitive to settings.** The seed's scratch network fails only because of its initial weights and
  learning rate (load the Seed preset); a learning rate too high makes a model *diverge*.
- **Hard to interpret.** The boundary and feature maps show *what* a model does, not *why*.
- **Overconfident when wrong.** See the most confidently wrong digits on the MNIST page, and the canvas
  when you draw something that is not a digit.
""")
