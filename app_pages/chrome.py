"""The app's shell around each page: sidebar toggles, classroom mode, friendly errors, trainer slots."""
from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import streamlit as st

from app_pages import session
from nncore.env import MAX_TRAINERS, MODELS_DIR  # noqa: F401 (MODELS_DIR: the MNIST page's prepared models)

# --- the shared trainer pool ---------------------------------------------------------------------------


@st.cache_resource
def _trainer_pool() -> threading.BoundedSemaphore:
    """Shared by every session on purpose: it bounds the host's concurrent trainings."""
    return threading.BoundedSemaphore(MAX_TRAINERS)


@contextlib.contextmanager
def trainer_slot() -> Iterator[None]:
    """Hold one of the host's trainer slots; wait (and say so) while all are busy."""
    pool = _trainer_pool()
    if not pool.acquire(blocking=False):
        with st.spinner("Waiting for a free trainer: other students are training. You are in the queue…"):
            pool.acquire()
    try:
        yield
    finally:
        pool.release()


# --- classroom mode ------------------------------------------------------------------------------------

_CLASSROOM_CSS = """
<style>
html, body, [class*="st-"], .stMarkdown p, .stMarkdown li { font-size: 1.22rem !important; }
h1 { font-size: 2.8rem !important; } h2 { font-size: 2.1rem !important; } h3 { font-size: 1.7rem !important; }
</style>
"""


def classroom_mode() -> bool:
    """Sidebar toggle: larger text for a projector, and the advanced controls hidden."""
    on = st.sidebar.toggle("Classroom mode", key=session.CLASSROOM,
                           help="Larger text for a projector; hides the advanced settings.")
    if on:
        st.markdown(_CLASSROOM_CSS, unsafe_allow_html=True)
    return on


def advanced_settings(classroom: bool) -> bool:
    """Sidebar toggle for the less-used settings (init, optimizer, momentum, L2, batch norm, dropout,
    seeds, test fraction); off by default and in classroom mode, so the page stays short and fast."""
    return st.sidebar.toggle("Advanced settings", key=session.ADVANCED, disabled=classroom,
                             help="Initialisation, optimizer, momentum, L2, batch norm, dropout, seeds.") \
        and not classroom


def friendly_error(what: str, exc: Exception) -> None:
    """A message a student can act on, never a traceback."""
    st.error(f"**{what}.** {exc}", icon="⚠️")
