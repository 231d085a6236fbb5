"""Entry point: page config and navigation, nothing else."""
import streamlit as st

st.set_page_config(page_title="Neural network classroom", page_icon="🧠", layout="wide")
st.title("Neural network classroom")
