"""Widgets that edit nncore configs. They return plain values; nncore's configs validate them."""
from __future__ import annotations

import streamlit as st

from nncore.config import (HIDDEN_ACTIVATIONS, INITS, OPTIMIZERS, TOY_DATASETS, DataConfig, ModelSpec,
                           ScratchConfig, TorchMLPConfig)

FRAMEWORK_LABELS = {"numpy": "Scratch NumPy", "torch": "PyTorch MLP", "sklearn": "scikit-learn MLP"}
DATASET_LABELS = {"moons": "Moons", "circles": "Circles", "xor": "XOR", "spiral": "Spiral (3 classes)"}


def _clamp(value, lo, hi):
    """Widgets raise on a value outside their bounds; a link or preset may hold one."""
    return min(max(value, lo), hi)


def data_settings(cfg: DataConfig, prefix: str, advanced: bool) -> dict:
    c1, c2, c3 = st.columns(3)
    values = {
        "name": c1.selectbox("Dataset", TOY_DATASETS, index=TOY_DATASETS.index(cfg.name),
                             format_func=DATASET_LABELS.get, key=f"{prefix}name"),
        "noise": c2.slider("Noise", 0.0, 0.5, float(min(cfg.noise, 0.5)), 0.01, key=f"{prefix}noise"),
        "n_samples": c3.slider("Samples", 100, 5000, int(_clamp(cfg.n_samples, 100, 5000)), 50,
                               key=f"{prefix}n"),
    }
    if advanced:
        c4, c5 = st.columns(2)
        values["test_fraction"] = c4.slider("Test fraction", 0.05, 0.5, float(cfg.test_fraction), 0.05,
                                            key=f"{prefix}test")
        values["seed"] = int(c5.number_input("Data seed", 0, 2**31 - 1, int(cfg.seed), key=f"{prefix}seed"))
    return values


def model_settings(spec: ModelSpec, prefix: str, advanced: bool) -> dict:
    """Inputs for one model; returns {"name", "framework", "config": {...}} for ModelSpec.from_dict."""
    c = spec.config
    k = lambda name: f"{prefix}{name}"  # noqa: E731
    cfg = dict(c.to_dict())
    name = st.text_input("Name", spec.name, max_chars=60, key=k("label"))
    a, b = st.columns(2)
    cfg["hidden"] = a.text_input("Hidden layers (widths)", ", ".join(map(str, c.hidden)), key=k("hidden"),
                                 help="Comma-separated widths, e.g. 16, 8, 4. Empty: no hidden layer.")
    cfg["activation"] = b.selectbox("Activation", HIDDEN_ACTIVATIONS,
                                    index=HIDDEN_ACTIVATIONS.index(c.activation), key=k("act"))
    a, b, d = st.columns(3)
    cfg["learning_rate"] = a.number_input("Learning rate", min_value=0.0, max_value=10.0,
                                          value=float(_clamp(c.learning_rate, 0.0, 10.0)), step=0.001, format="%.4f",
                                          key=k("lr"))
    cfg["epochs"] = int(b.number_input("Epochs", 1, 20000, int(c.epochs), key=k("epochs")))
    cfg["batch_size"] = int(d.number_input("Batch size (0 = full)", 0, 100000, int(c.batch_size),
                                           key=k("batch")))
    if advanced:
        a, b, d = st.columns(3)
        if isinstance(c, ScratchConfig):
            cfg["init"] = a.selectbox("Weight init", INITS, index=INITS.index(c.init), key=k("init"),
                                      help="seed: 0.01·N(0,1), as in the seed (too small to learn)")
        else:
            cfg["optimizer"] = a.selectbox("Optimizer", OPTIMIZERS, index=OPTIMIZERS.index(c.optimizer),
                                           key=k("opt"))
        if hasattr(c, "momentum"):
            cfg["momentum"] = b.number_input("Momentum", 0.0, 0.99, float(_clamp(c.momentum, 0.0, 0.99)), 0.05, key=k("mom"))
        cfg["l2"] = d.number_input("L2", 0.0, 1.0, float(c.l2), 0.0001, format="%.4f", key=k("l2"))
        if isinstance(c, TorchMLPConfig):
            a, b = st.columns(2)
            cfg["batch_norm"] = a.checkbox("Batch norm", c.batch_norm, key=k("bn"))
            cfg["dropout"] = b.slider("Dropout", 0.0, 0.9, float(c.dropout), 0.05, key=k("drop"))
        cfg["seed"] = int(st.number_input("Model seed", 0, 2**31 - 1, int(c.seed), key=k("seed")))
    return {"name": name, "framework": spec.framework, "config": cfg}
