"""MNIST CNN page (placeholder until its own issue lands)."""
import streamlit as st

from app_pages import common

st.title("MNIST CNN")
common.classroom_mode()
st.info("The MNIST page is being built: the CNN already trains from the command line, "
        "`python -m nncore mnist --epochs 3`.")
