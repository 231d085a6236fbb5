"""A student's own 2-D points, read from and written to CSV.

A header naming `x1`, `x2` and `label` (any order or case; extra columns ignored), then a point a row.
A problem raises a ValueError of one sentence naming the row (the file's line; the header is row 1).
Labels are class names as written; codes follow numeric order when every label is an integer, else text.

Spreadsheet safety (OWASP CSV injection): on export, a text label starting with `=`, `+`, `-`, `@`, tab or
CR gets a leading `'` (a number such as `-1` stays); import removes it, so export then import is lossless.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
from dataclasses import dataclass, field

import numpy as np

MAX_ROWS = 5000            # points in a file; a 5,000-point export is about 0.25 MB
MAX_CLASSES = 10
MAX_BYTES = 1_000_000      # checked before parsing, so a huge upload is refused at once
MAX_LABEL_CHARS = 40       # a class name must fit a legend
COLUMNS = ("x1", "x2", "label")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", re.ASCII)   # a plain number, e.g. -1.5e3
_INTEGER = re.compile(r"[+-]?\d+", re.ASCII)
EMPTY = "The file is empty; it needs a header row x1,x2,label and then one row per point."


@dataclass(frozen=True, eq=False)
class Points:
    """Points with class codes, equal and hashed by `digest` (build with read_points or from_arrays)."""
    X: np.ndarray = field(repr=False)    # (n, 2) float64, read-only
    y: np.ndarray = field(repr=False)    # (n,) int64 codes 0..k-1, read-only
    labels: tuple[str, ...]              # code i -> labels[i], in canonical order
    digest: str = field(init=False)      # sha256 hex of the canonical points; file formatting never enters

    def __post_init__(self):
        X = np.array(self.X, dtype=np.float64)                       # a copy we own
        y = np.array(self.y, dtype=np.int64)
        assert X.ndim == 2 and X.shape[1] == 2 and y.shape == (len(X),), "X is (n, 2) and y is (n,)"
        X.flags.writeable = y.flags.writeable = False
        labels = tuple(self.labels)
        h = hashlib.sha256(b"nncore-points-v1\0")
        h.update(json.dumps(labels).encode() + b"\0")
        h.update((X + 0.0).astype("<f8").tobytes())                  # + 0.0 turns -0.0 into 0.0
        h.update(y.astype("<i8").tobytes())
        for name, value in (("X", X), ("y", y), ("labels", labels), ("digest", h.hexdigest())):
            object.__setattr__(self, name, value)

    def __eq__(self, other):
        return isinstance(other, Points) and other.digest == self.digest

    def __hash__(self):
        return hash(self.digest)

    @property
    def n_classes(self) -> int:
        return len(self.labels)

    @property
    def n_rows(self) -> int:
        return len(self.y)


def _show(cell: str, width: int = 30) -> str:        # a cell for a message: quoted, cut short
    return repr(cell if len(cell) <= width else cell[:width] + "...")


def _canonical(X: np.ndarray, codes: np.ndarray, labels: list[str], rows=None) -> Points:
    """Check the limits shared by files and arrays, renumber the codes in canonical label order.
    `codes` index `labels`; `rows` (file lines) only sharpen the messages."""
    n, k = len(codes), len(labels)
    if n > MAX_ROWS:
        raise ValueError(f"There are {n} points; the limit is {MAX_ROWS}.")
    if k > MAX_CLASSES:
        raise ValueError(f"There are {k} classes; the limit is {MAX_CLASSES}.")
    if k < 2:
        raise ValueError(f"Every point has the label {_show(labels[0])}; "
                         "a classifier needs at least two classes.")
    counts = np.bincount(codes, minlength=k)
    for code in np.flatnonzero(counts < 2):
        where = f" (row {rows[codes == code][0]})" if rows is not None and counts[code] else ""
        raise ValueError(f"Class {_show(labels[code])} has only {counts[code]} point{where}; every class "
                         "needs at least 2 so that both the training and the test part get one.")
    numeric = all(_INTEGER.fullmatch(s) for s in labels)
    ordered = sorted(labels, key=(lambda s: (int(s), s)) if numeric else None)
    remap = np.array([ordered.index(s) for s in labels], dtype=np.int64)
    return Points(X, remap[codes], tuple(ordered))


def check_size(size: int) -> None:             # refuse a file by its size alone, before reading it
    if size > MAX_BYTES:
        raise ValueError(f"The file is {size / 1e6:.1f} MB, over the {MAX_BYTES / 1e6:.1f} MB limit "
                         f"for a CSV of points (at most {MAX_ROWS} points).")


def _decode(raw: bytes | str) -> str:
    check_size(len(raw.encode("utf-8", "surrogatepass")) if isinstance(raw, str) else len(raw))
    try:
        text = (raw if isinstance(raw, str) else bytes(raw).decode("utf-8")).removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise ValueError("This is not a CSV of points: it is not UTF-8 text; "
                         "save it from your spreadsheet as CSV (UTF-8).") from None
    if "\x00" in text:
        raise ValueError("This is not a CSV of points: it contains binary data; "
                         "save it from your spreadsheet as CSV (UTF-8).")
    if not text.strip():
        raise ValueError(EMPTY)
    return text


def _columns(header: list[str], line: int) -> tuple[int, int, int]:
    names = [h.strip().lower() for h in header]
    if not any(c in names for c in COLUMNS):
        hint = "; its columns seem to be separated by ';', use ','" if ";" in ",".join(header) else ""
        raise ValueError(f"This is not a CSV of points: row {line} is {_show(','.join(header))}, "
                         f"but it should name the columns x1, x2 and label{hint}.")
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise ValueError(f"The file has no {' or '.join(f'`{c}`' for c in missing)} column; "
                         "it needs x1, x2 and label.")
    for c in (c for c in COLUMNS if names.count(c) > 1):
        raise ValueError(f"The header (row {line}) names the column {c} twice; name it once.")
    return names.index("x1"), names.index("x2"), names.index("label")


def _coordinate(cell: str, name: str, line: int) -> float:
    cell = cell.strip()
    if not cell:
        raise ValueError(f"row {line}: {name} is empty; every point needs a number there.")
    try:
        value = float(cell)
    except ValueError:
        hint = " (write decimals with a point, like 0.5)" if "," in cell else ""
        raise ValueError(f"row {line}: {name} is {_show(cell)}, not a number{hint}.") from None
    if not math.isfinite(value):
        raise ValueError(f"row {line}: {name} is {cell}; every coordinate must be a finite number.")
    return value


def _risky(text: str) -> bool:                 # would a spreadsheet start a formula here?
    return text.lstrip("' ").startswith(FORMULA_START)


def safe_cell(text: str) -> str:   # a cell a spreadsheet shows as text: -1 is no formula; risky text gets a '
    return text if _NUMBER.fullmatch(text) or not _risky(text) else "'" + text


def _label(cell: str, line: int) -> str:
    label = cell.strip()
    if label.startswith("'") and _risky(label[1:]):
        label = label[1:]                                             # undo to_csv's guard
    if not label:
        raise ValueError(f"row {line}: the label is empty; every point needs the name of its class.")
    if len(label) > MAX_LABEL_CHARS:
        raise ValueError(f"row {line}: the label {_show(label)} is longer than {MAX_LABEL_CHARS} characters.")
    return label


def read_points(raw: bytes | str) -> Points:
    """Parse a CSV of points. Raises ValueError with one sentence naming the row and the problem."""
    text = _decode(raw)
    reader = csv.reader(io.StringIO(text, newline=""))
    xs, codes, rows, index, cols = [], [], [], {}, None        # index: label -> code, in order of appearance
    try:
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue                                              # blank lines, or ",," from a spreadsheet
            if cols is None:
                cols, width = _columns(cells, line), len(cells)
                continue
            if len(cells) != width:
                raise ValueError(f"row {line} has {len(cells)} cells, but the header has {width}; "
                                 "every row needs one value for each column.")
            if len(codes) == MAX_ROWS:
                raise ValueError(f"row {line}: the file has more than {MAX_ROWS} points; "
                                 f"the limit is {MAX_ROWS}.")
            point = (_coordinate(cells[cols[0]], "x1", line), _coordinate(cells[cols[1]], "x2", line))
            label = _label(cells[cols[2]], line)
            if label not in index:
                if len(index) == MAX_CLASSES:
                    raise ValueError(f"row {line}: the label {_show(label)} would be class number "
                                     f"{MAX_CLASSES + 1}; the limit is {MAX_CLASSES} classes.")
                index[label] = len(index)
            xs.append(point)
            codes.append(index[label])
            rows.append(line)
    except csv.Error as exc:
        raise ValueError(f"This is not a CSV of points: row {reader.line_num} cannot be read ({exc}).") from None
    if cols is None:
        raise ValueError(EMPTY)
    if not codes:
        raise ValueError("The file has a header but no points; add one row per point below it.")
    return _canonical(np.array(xs, dtype=np.float64), np.array(codes, dtype=np.int64), list(index),
                      np.array(rows))


def _arrays(X, y, labels) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Check arrays; return X as float64, codes into the names, and the names (stripped)."""
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2 or y.shape != (len(X),) or not len(y):
        raise ValueError(f"X must be (n, 2) and y (n,) with n > 0; got {X.shape} and {y.shape}.")
    if not (np.issubdtype(X.dtype, np.number) and np.isfinite(X).all()):
        raise ValueError("Every coordinate must be a finite number.")
    if not (np.issubdtype(y.dtype, np.integer) or (np.issubdtype(y.dtype, np.floating)
                                                   and np.array_equal(y, np.round(y)))):
        raise ValueError("y must hold whole numbers (class codes).")
    y = y.astype(np.int64)
    if labels is None:
        values, codes = np.unique(y, return_inverse=True)
        return X.astype(np.float64), codes.reshape(-1), [str(v) for v in values]
    names = [str(s).strip() for s in labels]
    if not all(names) or len(set(names)) < len(names) or max(map(len, names)) > MAX_LABEL_CHARS:
        raise ValueError(f"Labels must be distinct, non-empty names of at most {MAX_LABEL_CHARS} characters.")
    if y.min() < 0 or y.max() >= len(names):
        raise ValueError(f"y must hold codes 0..{len(names) - 1}, one for each label.")
    return X.astype(np.float64), y, names


def from_arrays(X, y, labels=None) -> Points:
    """Points from arrays, checked like a file. Without labels, y's distinct values become the labels
    (as text); with labels, y holds codes into them. Either way codes come out in canonical order."""
    return _canonical(*_arrays(X, y, labels))


def to_csv(X, y, labels=None) -> str:
    """CSV text, header x1,x2,label; coordinates as repr(float), read back bit for bit. Without labels, y's
    values are the labels. Limits are not enforced: a 20,000-point set exports (read_points refuses it)."""
    X, codes, names = _arrays(X, y, labels)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for (a, b), code in zip(X.tolist(), codes.tolist()):
        writer.writerow((repr(a), repr(b), safe_cell(names[code])))
    return out.getvalue()


def check_split(points: Points, test_fraction: float) -> None:
    """Refuse a stratified split that scikit-learn would refuse: each part needs a point of every class."""
    n, k = points.n_rows, points.n_classes
    n_test = math.ceil(test_fraction * n)                             # how train_test_split rounds
    if min(n_test, n - n_test) < k:
        raise ValueError(f"With {n} points and a test fraction of {test_fraction:g}, one part gets "
                         f"{min(n_test, n - n_test)} points, fewer than the {k} classes; add points "
                         "or change the test fraction.")
