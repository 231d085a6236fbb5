"""Entry point: page config, heavy imports once at start-up, and navigation. Nothing else."""
import streamlit as st

# Import the heavy libraries once per process, before any session's first rerun: many sessions
# racing on a lazy first import can see half-initialised modules.
import nncore.preload  # noqa: F401
from app_pages import session

st.set_page_config(page_title="Neural network classroom", page_icon=":material/neurology:", layout="wide")
page = st.navigation([
    st.Page("app_pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("app_pages/moons.py", title="Moons comparison", icon=":material/scatter_plot:", url_path="moons"),
    st.Page("app_pages/mnist.py", title="MNIST CNN", icon=":material/draw:", url_path="mnist"),
    st.Page("app_pages/concepts.py", title="Concepts", icon=":material/functions:", url_path="concepts"),
])
if page.url_path != "moons":                   # the moons page's models drawer does not wait for a return
    session.models_open(False)
page.run()
