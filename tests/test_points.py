import csv
import io
import os
import time

import numpy as np
import pytest

from nncore.data.points import (
    MAX_BYTES,
    MAX_CLASSES,
    MAX_ROWS,
    Points,
    check_split,
    from_arrays,
    read_points,
    to_csv,
)
from nncore.data.toy import DataConfig, generate

HEAD = "x1,x2,label\n"


def rows(n: int, classes: int = 2) -> str:
    return "".join(f"{i * 0.5},{-i * 0.25},c{i % classes}\n" for i in range(n))


def cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_round_trip_is_bit_identical():
    X, y = generate(DataConfig(name="spiral", n_samples=600, noise=0.3, seed=7))
    X[:4] = [[-0.0, 0.1 + 0.2], [1e-300, -1e300], [5e-324, 2.0 ** 0.5], [-3.0, 123456789.123456789]]
    p = from_arrays(X, y, ["first", "second", "third"])
    q = read_points(to_csv(p.X, p.y, p.labels))
    assert q == p and q.labels == p.labels
    assert np.array_equal(q.X.view(np.int64), p.X.view(np.int64))          # every bit, -0.0 included
    np.testing.assert_array_equal(q.y, p.y)
    assert q.X.dtype == np.float64 and q.y.dtype == np.int64 and q.n_rows == 600 and q.n_classes == 3


def test_builtin_moons_export_as_the_lead_calls_it():
    X, y = generate(DataConfig(n_samples=200))
    p = read_points(to_csv(X, y))                                           # labels default to the codes
    assert p.labels == ("0", "1")
    np.testing.assert_array_equal(p.y, y)
    np.testing.assert_array_equal(p.X, X)


def test_string_labels_sorted_as_text():
    p = read_points(HEAD + "0,0,dog\n1,1,cat\n2,2,dog\n3,3,cat\n4,4,Zebra\n5,5,Zebra\n")
    assert p.labels == ("Zebra", "cat", "dog")
    assert p.y.tolist() == [2, 1, 2, 1, 0, 0]


def test_integer_labels_sorted_as_numbers():
    p = read_points(HEAD + "0,0,10\n1,1,2\n2,2,3\n3,3,10\n4,4,2\n5,5,3\n")
    assert p.labels == ("2", "3", "10")
    assert p.y.tolist() == [2, 0, 1, 2, 0, 1]
    assert read_points(HEAD + "0,0,-1\n1,1,1\n2,2,-1\n3,3,1\n").labels == ("-1", "1")


def test_same_points_same_codes_whatever_order_the_labels_come_in():
    a = from_arrays([[0, 0], [1, 1], [2, 2], [3, 3]], [0, 1, 0, 1], ["dog", "cat"])
    b = from_arrays([[0, 0], [1, 1], [2, 2], [3, 3]], [1, 0, 1, 0], ["cat", "dog"])
    assert a == b and a.labels == ("cat", "dog") and a.y.tolist() == [1, 0, 1, 0]


def test_formula_labels_are_neutralised_and_come_back():
    labels = ["=SUM(A1)", "+1 cmd", "@x", "-x", "'=y", "'abc", "plain", "-1", "+2", "-0.5"]
    X = np.array([[-0.5, 1.0]] * 20)
    p = from_arrays(X, np.repeat(np.arange(10), 2), labels)
    text = to_csv(p.X, p.y, p.labels)
    written = {row[2] for row in cells(text)[1:]}
    assert {"'=SUM(A1)", "'+1 cmd", "'@x", "'-x", "''=y"} <= written          # formulas start with '
    assert {"-1", "+2", "-0.5", "plain", "'abc"} <= written                   # numbers and plain text as written
    for label in written:
        assert not label.startswith(("=", "@", "\t", "\r")) and not label.startswith("-x")
    assert all(row[0] == "-0.5" and float(row[0]) == -0.5 for row in cells(text)[1:])  # coordinates stay numbers
    q = read_points(text)
    assert q == p and set(q.labels) == set(labels)


def test_leading_whitespace_cannot_hide_a_formula():
    text = to_csv([[0, 0], [1, 1], [2, 2], [3, 3]], [0, 0, 1, 1], ["\t=cmd", "'\t@x"])
    assert [row[2] for row in cells(text)[1:]] == ["'=cmd", "'=cmd", "''\t@x", "''\t@x"]
    assert read_points(text).labels == ("'\t@x", "=cmd")


def test_commas_and_quotes_in_labels_are_quoted():
    p = from_arrays([[0, 0], [1, 1], [2, 2], [3, 3]], [0, 0, 1, 1], ['a, "b"', "c"])
    text = to_csv(p.X, p.y, p.labels)
    assert '"a, ""b"""' in text
    assert read_points(text) == p


def test_extra_columns_any_order_any_case_and_a_bom_give_the_same_points():
    plain = read_points(HEAD + "0.5,1,a\n2,3,b\n4,5,a\n6,7,b\n")
    shuffled = ("\ufeff Label ,note,X2,x1\na,hi,1,0.5\nb,,3,2\na,x,5,4\nb,y,7,6\n").encode()
    assert read_points(shuffled) == plain
    assert read_points(shuffled).digest == plain.digest


def test_line_endings_and_blank_lines_do_not_change_the_digest():
    text = HEAD + rows(10)
    lf, crlf, cr = (read_points(text.replace("\n", end)) for end in ("\n", "\r\n", "\r"))
    assert lf.digest == crlf.digest == cr.digest
    assert read_points(text.replace("\n", "\n\n") + ",,\n").digest == lf.digest
    assert read_points(HEAD + rows(10, classes=3)).digest != lf.digest
    backwards = "".join(reversed(rows(10).splitlines(keepends=True)))
    assert read_points(HEAD + backwards).digest != lf.digest               # row order matters to the split


def test_points_are_frozen_read_only_and_hashable():
    p = read_points(HEAD + rows(6))
    with pytest.raises(ValueError):
        p.X[0, 0] = 1.0
    with pytest.raises(ValueError):
        p.y[0] = 1
    with pytest.raises(AttributeError):
        p.labels = ("x",)
    assert len({p, read_points((HEAD + rows(6)).encode())}) == 1
    assert "labels" in repr(p) and len(repr(p)) < 300


def test_a_full_file_fits_the_byte_limit():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(MAX_ROWS, 2)) * 1e-3 - 1e3                         # long reprs, negative
    y = np.arange(MAX_ROWS) % MAX_CLASSES
    text = to_csv(X, y, [f"class number {i:02d}" for i in range(MAX_CLASSES)])
    assert len(text.encode()) < MAX_BYTES / 2
    assert read_points(text).n_rows == MAX_ROWS


@pytest.mark.parametrize("kind", ["random bytes", "text noise", "text noise as str", "valid rows"])
def test_five_megabytes_of_noise_is_refused_at_once(kind):
    noise = np.random.default_rng(0).integers(32, 127, 5_000_000, dtype=np.uint8).tobytes().decode()
    raw = {"random bytes": os.urandom(5_000_000), "text noise": noise.encode() + b"\n", "text noise as str": noise,
           "valid rows": b"x1,x2,label\n" + b"0,0,a\n" * 1_000_000}[kind]
    start = time.perf_counter()
    with pytest.raises(ValueError, match=r"^The file is [0-9.]+ MB, over the 1\.0 MB limit"):
        read_points(raw)
    assert time.perf_counter() - start < 1.0                                 # the size is checked first


BAD_FILES = {
    "random bytes": (os.urandom(2000) + b"\xff\xfe", r"^This is not a CSV of points: it is not UTF-8 text"),
    "latin-1 text": ("x1,x2,label\n1,2,caf\u00e9\n".encode("latin-1"), r"it is not UTF-8 text"),
    "binary nul": (b"x1,x2,label\n1,\x002,a\n", r"^This is not a CSV of points: it contains binary data"),
    "no header": (b"0.1,0.2,a\n0.3,0.4,b\n", r"^This is not a CSV of points: row 1 is '0\.1,0\.2,a', but it should"),
    "semicolons": (b"x1;x2;label\n1;2;a\n", r"separated by ';', use ','"),
    "no label column": (b"x1,x2\n1,2\n", r"^The file has no `label` column; it needs x1, x2 and label\.$"),
    "no x2 or label": (b"x1,y\n1,2\n", r"^The file has no `x2` or `label` column"),
    "column twice": (b"x1,x2,label,X1\n1,2,a,3\n", r"^The header \(row 1\) names the column x1 twice"),
    "not a number": (HEAD + rows(5) + "0.5,abc,c1\n", r"^row 7: x2 is 'abc', not a number\.$"),
    "decimal comma": (HEAD + '"0,5",1,a\n1,1,b\n', r"^row 2: x1 is '0,5', not a number \(write decimals"),
    "empty coordinate": (HEAD + "1,,a\n", r"^row 2: x2 is empty; every point needs a number there\.$"),
    "nan": (HEAD + rows(5) + "nan,1,c1\n", r"^row 7: x1 is nan; every coordinate must be a finite number\.$"),
    "infinity": (HEAD + "1,-inf,a\n", r"^row 2: x2 is -inf; every coordinate must be a finite number\.$"),
    "empty label": (HEAD + rows(2) + "1,2,  \n", r"^row 4: the label is empty; every point needs the name"),
    "long label": (HEAD + "1,2," + "x" * 41 + "\n", r"^row 2: the label 'x{30}\.\.\.' is longer than 40"),
    "one class": (HEAD + "1,2,a\n3,4,a\n", r"^Every point has the label 'a'; a classifier needs at least two"),
    "too many classes": (HEAD + rows(30, classes=11), r"^row 12: the label 'c10' would be class number 11; "
                         r"the limit is 10 classes\.$"),
    "too many rows": (HEAD + rows(MAX_ROWS + 1), r"^row 5002: the file has more than 5000 points; "
                      r"the limit is 5000\.$"),
    "empty": (b"", r"^The file is empty; it needs a header row x1,x2,label"),
    "only blank lines": ("\ufeff\r\n  \n", r"^The file is empty"),
    "header only": (HEAD + "\n", r"^The file has a header but no points"),
    "wrong cell count": (HEAD + rows(2) + "1,2\n", r"^row 4 has 2 cells, but the header has 3; every row needs"),
    "too many cells": (HEAD + "1,2,a,4\n", r"^row 2 has 4 cells, but the header has 3"),
    "class of one": (HEAD + rows(4) + "\n9,9,lonely\n", r"^Class 'lonely' has only 1 point \(row 7\); every class "
                     r"needs at least 2"),
    "broken quoting": ("x1,x2,label\n1,2,\"a\n" + "x" * 140_000 + "\n", r"^This is not a CSV of points: row \d+ "
                       r"cannot be read"),
}


@pytest.mark.parametrize("kind", BAD_FILES)
def test_each_bad_file_gets_one_clear_sentence(kind):
    raw, message = BAD_FILES[kind]
    with pytest.raises(ValueError, match=message) as info:
        read_points(raw)
    text = str(info.value)
    assert text.endswith(".") and "\n" not in text and len(text) < 200
    assert text.count(". ") == 0                                              # one sentence


def test_row_numbers_are_file_lines_blank_lines_included():
    with pytest.raises(ValueError, match="row 5: x1 is 'oops'"):
        read_points("x1,x2,label\n\n0,0,a\n\noops,1,b\n")
    with pytest.raises(ValueError, match="row 4: x1 is 'oops'"):
        read_points("x1,x2,label\n1,1,\"two\nlines\"\noops,1,b\n")               # a quoted label over two lines


def test_from_arrays_checks_like_a_file():
    X = np.zeros((12, 2))
    with pytest.raises(ValueError, match="12 classes; the limit is 10"):
        from_arrays(X, np.arange(12))
    with pytest.raises(ValueError, match="at least two classes"):
        from_arrays(X, np.zeros(12, dtype=int))
    with pytest.raises(ValueError, match="There are 5001 points; the limit is 5000"):
        from_arrays(np.zeros((5001, 2)), np.arange(5001) % 2)
    with pytest.raises(ValueError, match="Class 'c' has only 0 point;"):
        from_arrays(X, np.arange(12) % 2, ["a", "b", "c"])
    with pytest.raises(ValueError, match="finite"):
        from_arrays(np.full((4, 2), np.nan), [0, 0, 1, 1])
    with pytest.raises(ValueError, match=r"X must be \(n, 2\)"):
        from_arrays(np.zeros((4, 3)), [0, 0, 1, 1])
    with pytest.raises(ValueError, match="codes 0..1"):
        from_arrays(np.zeros((4, 2)), [0, 0, 2, 2], ["a", "b"])
    with pytest.raises(ValueError, match="distinct"):
        from_arrays(np.zeros((4, 2)), [0, 0, 1, 1], ["a", " a "])
    assert from_arrays(np.zeros((4, 2)), [0.0, 0.0, 1.0, 1.0]).labels == ("0", "1")
    assert isinstance(from_arrays(np.zeros((4, 2)), [0, 0, 1, 1]), Points)


def test_check_split_refuses_what_a_stratified_split_refuses():
    p = read_points(HEAD + rows(12, classes=4))
    check_split(p, 0.5)
    with pytest.raises(ValueError, match="With 12 points and a test fraction of 0.2, one part gets 3 points, "
                                         "fewer than the 4 classes"):
        check_split(p, 0.2)
    from sklearn.model_selection import train_test_split
    with pytest.raises(ValueError):
        train_test_split(p.X, p.y, test_size=0.2, stratify=p.y, random_state=0)
    train_test_split(p.X, p.y, test_size=0.5, stratify=p.y, random_state=0)
