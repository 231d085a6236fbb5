"""Home: what each page shows, and how to use the dashboard in a lesson."""
import streamlit as st

from app_pages import chrome

st.title("Neural network classroom")
chrome.classroom_mode()
st.markdown("""
Train neural networks **side by side on the same data** and compare them on one leaderboard:
a network written from scratch in NumPy, PyTorch networks and scikit-learn's reference, plus a
convolutional network on handwritten digits.

| Page | What it shows |
| --- | --- |
| 🌙 **Moons comparison** | Several models trained on the same 2-D data (moons, circles, XOR, spiral): decision boundaries, learning curves, a leaderboard, boundaries *through* training, and a gradient check proving the scratch network's backprop. |
| ✍️ **MNIST CNN** | The seed's CNN trained live on MNIST or Fashion-MNIST: architecture, confusion matrix, filters and feature maps, and a canvas where students draw digits for it. |
| 📐 **Concepts** | Activation functions and their derivatives, shallow vs deep, and what deep learning is good and bad at. |

### Using it in a lesson
1. Open **Moons comparison**, load the **Seed** preset and train: the scratch network barely learns.
   Its loss stays at chance level (ln 2 ≈ 0.693) and its boundary is washed out, every probability
   within a few percent of 0.5, because its initial weights are too small. PyTorch learns. Ask *why*,
   then switch to **Defaults**.
2. Turn up the noise, or try **XOR** and **Spiral**: which models still cope? Watch the
   **Through training** slider to see a boundary form.
3. Copy the page's URL to share exactly that setup with the class.
4. On **MNIST CNN**, train for an epoch (or load a model prepared before class), then let students
   draw digits and see what the network sees.

Turn on **Classroom mode** in the sidebar for larger text on a projector.
""")
