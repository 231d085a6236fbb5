"""How each family's model is written as code: its definition, its training, its test accuracy.

The networks have one exporter each (the scratch network's readable class, the seed's PyTorch MLP, the
scikit-learn MLP trained epoch by epoch as the dashboard trains it); every classical baseline, and any
family whose model builds a scikit-learn estimator (``Classical.make``), is written from that estimator
itself. A family none of these covers cannot be exported yet, and says so (``exporter``).
"""
from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..core.activations import ACTIVATIONS
from ..models import sklearn_mlp, torch_mlp
from ..models.classical import Classical
from ..models.registry import ModelSpec

ACCURACY = "accuracy = float(np.mean(model.predict_proba(X_test_in).argmax(axis=1) == y_test))"


@dataclass(frozen=True)
class Exporter:
    needs: str                    # what the file imports, in words
    cells: Callable[[object], list]   # config -> list of (kind, text) cells


def _scratch(c) -> list:
    source = (Path(__file__).parent / "scratch_net.py").read_text(encoding="utf-8")
    source = source[source.index('"""', 3) + 3:]                  # (its docstring: the cell above says it)
    return [("markdown", "## The network, from scratch\nForward and backward pass side by side, as in the seed's "
                         "`NeuralNetwork` class: NumPy (and SciPy's overflow-free sigmoid) only. Two classes: "
                         "one sigmoid output and binary cross-entropy; more: softmax and cross-entropy. Either "
                         "way the gradient at the output is (p - y) / n, where the backward pass starts."),
            ("code", source.strip()),
            ("markdown", "## Training"),
            ("code", f"sizes = [X_train_in.shape[1], *{list(c.hidden)!r}, 1 if n_classes == 2 else n_classes]\n"
                     f"model = ScratchNet(sizes, activation={c.activation!r}, init={c.init!r}, "
                     f"optimizer={c.optimizer!r},\n                   learning_rate={c.learning_rate!r}, "
                     f"momentum={c.momentum!r}, l2={c.l2!r}, batch_size={c.batch_size!r}, seed={c.seed!r})\n"
                     f"model.fit(X_train_in, y_train, epochs={c.epochs!r})\n{ACCURACY}")]


TORCH_TRAIN = '''torch.set_num_threads(1)      # as the dashboard trains: sums in the same order, the same numbers
generator = torch.Generator().manual_seed({seed})   # weights, dropout masks, batch order: one seed
model = build_mlp({hidden!r}, nn.{act}, {batch_norm!r}, {dropout!r}, X_train_in.shape[1],
                  1 if n_classes == 2 else n_classes, generator)
{optimizer}
X, y = torch.as_tensor(X_train_in, dtype=torch.float32), torch.as_tensor(y_train)
n, batch = len(y), len(y) if {batch_size} in (0, None) or {batch_size} >= len(y) else {batch_size}


def loss_of(logits, y):
    if n_classes == 2:                 # one output unit: sigmoid and binary cross-entropy, from the logits
        return nn.functional.binary_cross_entropy_with_logits(logits[:, 0], y.float())
    return nn.functional.cross_entropy(logits, y)


for epoch in range({epochs}):
    model.train()
    order = torch.randperm(n, generator=generator) if batch < n else None
    for lo in range(0, n, batch):
        idx = order[lo:lo + batch] if order is not None else slice(None)
        if {batch_norm!r} and len(y[idx]) < 2:   # batch norm cannot train on one point
            continue
        optimizer.zero_grad(set_to_none=True)
        loss_of(model(X[idx]), y[idx]).backward()
        optimizer.step()

model.eval()
with torch.inference_mode():
    logits = model(torch.as_tensor(X_test_in, dtype=torch.float32))
if n_classes == 2:
    p = torch.sigmoid(logits[:, 0]).double().numpy()
    proba = np.column_stack([1.0 - p, p])
else:
    proba = torch.softmax(logits.double(), dim=1).numpy()
accuracy = float(np.mean(proba.argmax(axis=1) == y_test))'''


def _torch(c) -> list:
    dropout = inspect.getsource(torch_mlp.SeededDropout)
    build = inspect.getsource(torch_mlp.build_mlp)
    build = (build.replace("def build_mlp(config: TorchMLPConfig, n_inputs: int, n_outputs: int,",
                           "def build_mlp(hidden, activation, batch_norm, dropout, n_inputs, n_outputs,")
             .replace("generator: torch.Generator) -> nn.Sequential:", "generator):")
             .replace("config.hidden", "hidden").replace("getattr(nn, ACTIVATIONS[config.activation].torch)()",
                                                         "activation()")
             .replace("config.batch_norm", "batch_norm").replace("config.dropout", "dropout"))
    assert "config" not in build, "build_mlp changed: update the exporter's rewrite"
    if c.optimizer == "adam":
        opt = f"optimizer = torch.optim.Adam(model.parameters(), lr={c.learning_rate!r}, weight_decay={c.l2!r})"
    else:
        opt = (f"optimizer = torch.optim.SGD(model.parameters(), lr={c.learning_rate!r}, momentum={c.momentum!r}, "
               f"weight_decay={c.l2!r})")
    return [("markdown", "## The network\nThe seed's PyTorch MLP: per hidden layer Linear → activation → "
                         "BatchNorm1d → Dropout, every random draw from one seeded generator."),
            ("code", "import math\n\nimport torch\nfrom torch import nn\n\n\n" + dropout + "\n\n" + build),
            ("markdown", "## Training"),
            ("code", TORCH_TRAIN.format(seed=c.seed, hidden=tuple(c.hidden), act=ACTIVATIONS[c.activation].torch,
                                        batch_norm=c.batch_norm, dropout=c.dropout, optimizer=opt,
                                        batch_size=c.batch_size, epochs=c.epochs))]


SKLEARN_TRAIN = '''n = len(y_train)
batch = n if {batch_size} in (0, None) or {batch_size} >= n else {batch_size}
model = MLPClassifier(hidden_layer_sizes={hidden!r}, activation={act!r}, solver={solver!r},
                      learning_rate_init={lr!r}, alpha={alpha!r}, batch_size=batch, max_iter={epochs},
                      random_state={seed}, shuffle=False)
rng = np.random.default_rng({seed})        # the batch order of each epoch, as the dashboard draws it
chunk = batch * max(1, {chunk} // batch)     # whole mini-batches per partial_fit call
for epoch in range({epochs}):
    order = rng.permutation(n) if batch < n else np.arange(n)
    for lo in range(0, n, chunk):
        idx = order[lo:lo + chunk]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.partial_fit(X_train_in[idx], y_train[idx], classes=np.arange(n_classes))
''' + ACCURACY


def _sklearn(c) -> list:
    return [("markdown", "## Training\nscikit-learn's `MLPClassifier`, one epoch at a time: each epoch shuffles "
                         "the points and hands them to `partial_fit` in whole mini-batches."),
            ("code", "import warnings\n\nfrom sklearn.neural_network import MLPClassifier\n\n" + SKLEARN_TRAIN.format(
                batch_size=c.batch_size, hidden=tuple(c.hidden), act=ACTIVATIONS[c.activation].sklearn,
                solver=c.optimizer, lr=c.learning_rate, alpha=c.l2, epochs=c.epochs, seed=c.seed,
                chunk=sklearn_mlp.CHUNK_POINTS))]


def _estimator_imports(estimator) -> list[str]:
    """``from sklearn.x import Y`` for the estimator and every estimator among its parameters."""
    found = [estimator, *(v for v in estimator.get_params(deep=True).values() if hasattr(v, "get_params"))]
    public = {f"from {type(e).__module__.split('._')[0]} import {type(e).__name__}" for e in found}
    return sorted(public)


def _classical(spec: ModelSpec):
    model = spec.family.model(spec.config, 2, 2)
    estimator = model.make()

    def cells(c) -> list:
        return [("markdown", f"## The model\nscikit-learn's `{type(estimator).__name__}`, with the dashboard's "
                             "settings (fitted on all the training points at once)."),
                ("code", "\n".join(_estimator_imports(estimator)) + f"\n\nmodel = {estimator!r}\n"
                         f"model.fit(X_train_in, y_train)\n{ACCURACY}")]
    return Exporter("NumPy and scikit-learn", cells)


NETWORKS = {"numpy": Exporter("NumPy, SciPy and scikit-learn", _scratch),
            "torch": Exporter("NumPy, PyTorch and scikit-learn", _torch),
            "sklearn": Exporter("NumPy and scikit-learn", _sklearn)}


def exporter(spec: ModelSpec) -> Exporter:
    if spec.framework in NETWORKS:
        return NETWORKS[spec.framework]
    if issubclass(spec.family.model, Classical):
        return _classical(spec)
    raise ValueError(f"{spec.name!r} ({spec.family.label}) cannot be exported as code yet")
