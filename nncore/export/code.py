"""Every model of a lineup as code a student takes home: a standalone script and a Jupyter notebook that
rebuild the data, build the same model with NumPy, PyTorch or scikit-learn only, train it and print its
test accuracy, the number the dashboard showed.

A document is a list of cells (markdown and code); the script is its cells in order, the markdown as
comments (``script``), the notebook the same cells in ``nbformat`` (``notebook``). The code is the
dashboard's own where it can be: the toy sets' generators and the seed's dropout are copied from their
source; the scratch network is ``scratch_net.py``, a readable class that computes what the scratch family
computes (tests run every exported file in a fresh process, without nncore, and compare its accuracy).
"""
from __future__ import annotations

import inspect
import json
from pathlib import Path

import nbformat

from ..core.features import FEATURES, RAW_INPUTS
from ..data import toy
from ..data.points import Points
from ..data.toy import DataConfig
from ..models.registry import ModelSpec
from . import families

Cell = tuple[str, str]          # ("markdown" | "code", its text)


def data_cells(cfg: DataConfig, points: Points | None = None) -> list[Cell]:
    """The points, split (stratified) and scaled on the training part, as the dashboard does."""
    head = ["import numpy as np", "from sklearn.model_selection import train_test_split",
            "from sklearn.preprocessing import StandardScaler"]
    if points is not None:
        body = [f"X = np.array({points.X.tolist()!r})", f"y = np.array({points.y.tolist()!r})"]
        what = f"your own {len(points.y)} points (the CSV uploaded on the page)"
    elif cfg.name in ("moons", "circles"):
        head.append(f"from sklearn.datasets import make_{cfg.name}")
        extra = ", factor=0.5" if cfg.name == "circles" else ""
        body = [f"X, y = make_{cfg.name}(n_samples={cfg.n_samples}, noise={cfg.noise!r}{extra}, "
                f"random_state={cfg.seed})"]
        what = f"{cfg.n_samples} {cfg.name} points, noise {cfg.noise:g}"
    else:
        maker = {"xor": toy._xor, "spiral": toy._spiral}[cfg.name]
        source = inspect.getsource(maker).replace(f"def _{cfg.name}(", f"def make_{cfg.name}(")
        body = [source, f"X, y = make_{cfg.name}({cfg.n_samples}, {cfg.noise!r}, np.random.default_rng({cfg.seed}))"]
        what = f"{cfg.n_samples} {toy.TOY_DATASETS[cfg.name]} points, noise {cfg.noise:g}"
    body += [f"X_train, X_test, y_train, y_test = train_test_split(X, y, test_size={cfg.test_fraction!r}, "
             f"stratify=y, random_state={cfg.seed})",
             "scaler = StandardScaler().fit(X_train)                 # fitted on the training points only",
             "X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)",
             "y_train, y_test = y_train.astype(np.int64), y_test.astype(np.int64)",
             "n_classes = int(max(y_train.max(), y_test.max())) + 1"]
    return [("markdown", f"## The data\n{what}; {cfg.test_fraction:.0%} held out for testing (stratified), "
                         "both parts scaled with the training part's mean and spread."),
            ("code", "\n".join(head + [""] + body))]


def inputs_cells(inputs: tuple[str, ...]) -> list[Cell]:
    """What the first layer reads, computed from each point (x1, x2): only when not the point itself."""
    if tuple(inputs) == RAW_INPUTS:
        return [("code", "X_train_in, X_test_in = X_train, X_test   # the model reads the points (x1, x2)")]
    columns = ", ".join(FEATURES[name].code for name in inputs)
    return [("markdown", f"## The inputs\nThe model reads {', '.join(FEATURES[n].label for n in inputs)}, "
                         "computed from each point."),
            ("code", "def inputs(X):\n    x1, x2 = X[:, 0], X[:, 1]\n"
                     f"    return np.column_stack([{columns}])\n\n\n"
                     "X_train_in, X_test_in = inputs(X_train), inputs(X_test)")]


def cells(cfg: DataConfig, spec: ModelSpec, points: Points | None = None) -> list[Cell]:
    """The whole document for one model of a lineup."""
    family = spec.family
    export = families.exporter(spec)
    what = spec.name if spec.name == family.label else f"{spec.name}: {family.label}"
    title = (f"# {what} on {toy.TOY_DATASETS.get(cfg.name, cfg.name)}\n"
             "Exported from the neural-network classroom dashboard. Run it as it is: it needs "
             f"{export.needs} only, and prints the test accuracy the dashboard's leaderboard showed.")
    return [("markdown", title), *data_cells(cfg, points), *inputs_cells(spec.config.inputs),
            *export.cells(spec.config),
            ("code", 'print(f"test accuracy: {accuracy:.6f}")')]


def as_script(title: str, doc: list[Cell]) -> str:
    """One standalone Python file: the cells in order, their markdown as comments."""
    parts = []
    for kind, text in doc:
        parts.append("\n".join(f"# {line}".rstrip() for line in text.splitlines()) if kind == "markdown" else text)
    return '"""' + title.replace('"', "'").replace("\\", "/") + ': exported from the classroom dashboard."""\n' + \
        "\n\n".join(parts) + "\n"


def as_notebook(doc: list[Cell]) -> str:
    """The same cells as a Jupyter notebook (nbformat 4), validated."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(t) if kind == "markdown" else nbformat.v4.new_code_cell(t)
                for kind, t in doc]
    for i, cell in enumerate(nb.cells):                # the same file for the same model, every time
        cell.id = f"cell-{i}"
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.validate(nb)
    return nbformat.writes(nb)


def script(cfg: DataConfig, spec: ModelSpec, points: Points | None = None) -> str:
    return as_script(spec.name, cells(cfg, spec, points))


def notebook(cfg: DataConfig, spec: ModelSpec, points: Points | None = None) -> str:
    return as_notebook(cells(cfg, spec, points))


def file_stem(spec: ModelSpec) -> str:
    """A file name from a model's name: letters, digits and dashes only (names are students')."""
    stem = "".join(c if c.isascii() and c.isalnum() else "-" for c in spec.name.lower()).strip("-")
    return "-".join(filter(None, stem.split("-")))[:60] or spec.framework


def write(cfg: DataConfig, lineup: tuple[ModelSpec, ...], out: Path, points: Points | None = None) -> list[dict]:
    """Each model's script (.py) and notebook (.ipynb) in ``out``; what was written, per model."""
    out.mkdir(parents=True, exist_ok=True)
    written, stems = [], set()
    for spec in lineup:
        stem = file_stem(spec)
        while stem in stems:
            stem += "-2"
        stems.add(stem)
        (out / f"{stem}.py").write_text(script(cfg, spec, points), encoding="utf-8")
        (out / f"{stem}.ipynb").write_text(notebook(cfg, spec, points), encoding="utf-8")
        written.append({"name": spec.name, "framework": spec.framework, "script": str(out / f"{stem}.py"),
                        "notebook": str(out / f"{stem}.ipynb")})
    (out / "lineup.json").write_text(json.dumps([s.to_dict() for s in lineup], indent=1), encoding="utf-8")
    return written
