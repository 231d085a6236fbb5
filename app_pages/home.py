"""Home: what each page shows, and how to use the dashboard in a lesson."""
import streamlit as st

from app_pages import chrome
from nncore.lessons import lesson_names, load_lesson

st.title("Neural network classroom")
chrome.classroom_mode()
st.markdown("""
Train neural networks **side by side on the same data** and compare them on one leaderboard:
a network written from scratch in NumPy, PyTorch networks and scikit-learn's reference, plus a
convolutional network on handwritten digits.

| Page | What it shows |
| --- | --- |
| :material/scatter_plot: **Moons comparison** | Several models trained on the same 2-D data (moons, circles, XOR, spiral): decision boundaries, learning curves, a leaderboard, boundaries *through* training, and a gradient check proving the scratch network's backprop. |
| :material/draw: **MNIST CNN** | The seed's CNN trained live on MNIST or Fashion-MNIST: architecture, confusion matrix, filters and feature maps, and a canvas where students draw digits for it. |
| :material/functions: **Concepts** | Activation functions and their derivatives, shallow vs deep, and what deep learning is good and bad at. |

### Using it in a lesson
Each **guided lesson** sets up the page, asks the class to predict, trains, then explains what is on screen.
**Next** and **Back** (or a presentation clicker's PageDown and PageUp) move between steps. The lessons are
listed below; *Classroom* opens one for a projector (larger text, advanced settings hidden).

""")


def lesson_row(name: str) -> None:
    """One lesson: its title, minutes and topics, and its link in both modes."""
    lesson = load_lesson(name)
    with st.container(border=True, key=f"home_lesson_{name}"):
        text, links = st.columns([3, 1], vertical_alignment="center")       # links stacked: no label clipped
        text.markdown(f"**{lesson.title}** · {lesson.minutes} min · {len(lesson.steps)} steps")
        if lesson.topics:
            text.caption(", ".join(lesson.topics))
        links.page_link("app_pages/moons.py", label="Open", icon=":material/school:",
                        query_params={"lesson": name})
        links.page_link("app_pages/moons.py", label="Classroom", icon=":material/co_present:",
                        query_params={"lesson": name, "classroom": "1"})


for name in ["intro", *(n for n in lesson_names() if n != "intro")]:
    lesson_row(name)
st.markdown("""
Or build your own:
1. Open **Moons comparison**, load the **Seed** preset and train: the scratch network barely learns.
   Its loss stays at chance level (ln 2 ≈ 0.693) and its boundary is washed out, every probability
   within a few percent of 0.5, because its initial weights are too small. Ask *why*, then compare it
   with the same network on He initialisation.
2. Turn up the noise, or try **XOR** and **Spiral**: which models still cope? Watch the
   **Through training** slider to see a boundary form.
3. **Share this setup** (in the sidebar) gives the link to exactly that page, and can hide any control
   from students while its value still comes from the link.
4. On **MNIST CNN**, train for an epoch (or load a model prepared before class), then let students
   draw digits and see what the network sees.

Turn on **Classroom mode** in the sidebar for a projector: everything larger, on every page, and in the link.
""")
