"""Take it home: a model of the page as a Python script or a Jupyter notebook that rebuilds the data,
builds the same model with NumPy, PyTorch or scikit-learn only, trains it and prints its test accuracy.
The files are a few milliseconds' work (``nncore.export``), written only where they are shown."""
from __future__ import annotations

import streamlit as st

from nncore.export import cnn as cnn_export
from nncore.export import code, file_stem

NOTEBOOK = "application/x-ipynb+json"


def moons_take_home(data_cfg, lineup, points=None) -> None:
    """The finished lineup's models, one chosen, as a script and a notebook, written only while the box is
    open (a few milliseconds; a deferred download would be dropped by the live view's next rerun)."""
    box = st.expander("Take a model home (script or notebook)", icon=":material/code:", key="takehome",
                      on_change="rerun")
    if not box.open:
        return
    with box:
        st.caption("The same data, the same model and settings, no dashboard needed: run it with `python`, or "
                   "open the notebook in Jupyter or Colab. It prints the test accuracy the leaderboard shows.")
        names = [s.name for s in lineup]
        name = st.selectbox("Model", names, key="takehome_model") if len(names) > 1 else names[0]
        spec = lineup[names.index(name)]
        try:
            script, notebook = code.script(data_cfg, spec, points), code.notebook(data_cfg, spec, points)
        except ValueError as exc:                          # a family that cannot be written as code yet
            st.info(str(exc), icon=":material/info:")
            return
        stem = file_stem(spec)
        with st.container(horizontal=True):
            st.download_button("Script (.py)", script, f"{stem}.py", "text/x-python", icon=":material/download:",
                               key="takehome_py", width="stretch", on_click="ignore")
            st.download_button("Notebook (.ipynb)", notebook, f"{stem}.ipynb", NOTEBOOK,
                               icon=":material/download:", key="takehome_ipynb", width="stretch", on_click="ignore")


def cnn_take_home(config, source: str = "") -> None:
    """The trained CNN's training as a script and a notebook (a loaded model's settings are unknown).
    ``source``: where the page's images came from (the script downloads torchvision's full set)."""
    if config is None:
        return
    stem = f"{config.dataset}-cnn"
    with st.container(horizontal=True):
        st.download_button("Training as a script (.py)", cnn_export.script(config), f"{stem}.py",
                           "text/x-python", icon=":material/code:", key="cnn_takehome_py", width="stretch",
                           help="Downloads the images with torchvision, trains this CNN with these settings "
                                "and prints its test accuracy: PyTorch only, no dashboard.", on_click="ignore")
        st.download_button("Training as a notebook (.ipynb)", cnn_export.notebook(config),
                           f"{stem}.ipynb", NOTEBOOK, icon=":material/code:", key="cnn_takehome_ipynb",
                           width="stretch", on_click="ignore")
    if source == "offline-subset":
        st.caption("This page trained on the offline subset (no internet); the script downloads the full set "
                   "with torchvision, so its accuracy will differ.")
