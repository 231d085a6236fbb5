"""A student's own points: a data set exported to CSV and imported again trains to identical results,
on the page's engine and from the command line; a bad file changes nothing."""
from __future__ import annotations

import json

import numpy as np
import pytest

from nncore.cli import main
from nncore.data.points import read_points
from nncore.data.toy import DataConfig, load_toy, points_csv
from nncore.figures.toy import data_figure
from nncore.lineup.comparison import compare
from nncore.lineup.live import LiveComparison
from nncore.models.registry import ModelSpec
from nncore.models.scratch import ScratchConfig
from nncore.models.torch_mlp import TorchMLPConfig
from nncore.records.moons import legend
from nncore.serving.shared import SharedResults

DATA = DataConfig(name="spiral", n_samples=300, noise=0.2, seed=5)
LINEUP = (ModelSpec("scratch", ScratchConfig(hidden=(8,), epochs=40)),
          ModelSpec("torch", TorchMLPConfig(hidden=(8,), epochs=15)))


def _numbers(results):
    return [(r.test_accuracy, r.train_loss, r.test_loss) for r in results]


def test_export_import_trains_to_identical_results():
    points = read_points(points_csv(DATA).encode())
    mine = DATA.replace(name="csv")
    built_in, uploaded = load_toy(DATA), load_toy(mine, points)
    assert np.array_equal(built_in.X_train, uploaded.X_train) and np.array_equal(built_in.y_test, uploaded.y_test)
    assert _numbers(compare(mine, LINEUP, snapshots=0, points=points).results) == \
        _numbers(compare(DATA, LINEUP, snapshots=0).results)
    live = LiveComparison(mine, LINEUP, shared=SharedResults(), points=points).start()
    while not live.done:
        live.advance_for(0.05)
    assert _numbers(live.results()) == _numbers(compare(DATA, LINEUP, snapshots=0).results)
    again = read_points(points_csv(mine, points))                     # the uploaded set exports the same file
    assert again == points and points_csv(mine, again) == points_csv(DATA)


def test_word_labels_name_the_classes_and_different_points_are_different_results():
    text = "x1,x2,label\n" + "".join(f"{i % 7},{i % 5},{'cat' if i % 2 else '=dog'}\n" for i in range(40))
    points = read_points(text)
    data = load_toy(DataConfig(name="csv"), points)
    assert data.labels == ("=dog", "cat") and data.n_classes == 2
    names = {t.name for t in data_figure(data).data}
    assert names == {"=dog (train)", "=dog (test)", "cat (train)", "cat (test)"}
    assert "'=dog" in points_csv(DataConfig(name="csv"), points)            # a spreadsheet shows it as text
    other = read_points(text.replace("0,0,=dog", "0,1,=dog"))
    a = LiveComparison(DataConfig(name="csv"), LINEUP[:1], points=points)
    b = LiveComparison(DataConfig(name="csv"), LINEUP[:1], points=other)
    assert a.keys != b.keys                                             # shared results keyed by the points
    assert legend(data).startswith("Colour: the model's probability of cat (blue) against =dog (red)")
    three = load_toy(DataConfig(name="csv"), read_points(text.replace(",cat\n", ",*owl*\n", 3)))
    words = legend(three, runs=3)                 # the painter's colours in words; the names shown as typed
    assert "(red \\*owl\\*, blue =dog, green cat)" in words and "all 3 runs" in words


def test_the_csv_dataset_without_points_is_a_clear_error():
    with pytest.raises(ValueError, match="upload a CSV"):
        load_toy(DataConfig(name="csv"))
    points = read_points(points_csv(DATA))
    with pytest.raises(ValueError, match="need the dataset 'csv'"):
        load_toy(DATA, points)


def test_command_line_data(tmp_path, capsys):
    path = tmp_path / "mine.csv"
    path.write_text(points_csv(DataConfig()))
    assert main(["moons", "--data", str(path), "--epochs", "20", "--json", "--quiet"]) == 0
    mine = json.loads(capsys.readouterr().out)
    assert main(["moons", "--epochs", "20", "--json", "--quiet"]) == 0
    built_in = json.loads(capsys.readouterr().out)
    assert mine["dataset"]["name"] == "csv" and mine["dataset"]["n_samples"] == 1000
    assert [m["test_accuracy"] for m in mine["models"]] == [m["test_accuracy"] for m in built_in["models"]]
    bad = tmp_path / "bad.csv"
    bad.write_text("x1,x2,label\n0.1,abc,a\n0.2,0.3,b\n")
    assert main(["moons", "--data", str(bad), "--quiet"]) == 2
    assert "row 2: x2 is 'abc', not a number" in capsys.readouterr().err
    big = tmp_path / "big.csv"
    big.write_bytes(b"x" * 5_000_000)
    assert main(["moons", "--data", str(big), "--quiet"]) == 2
    assert "5.0 MB, over the 1.0 MB limit" in capsys.readouterr().err


def test_points_that_cannot_be_split_or_scaled_are_clear_errors():
    few = read_points("x1,x2,label\n" + "".join(f"{i},{i % 3},{'abc'[i % 3]}\n" for i in range(12)))
    load_toy(DataConfig(name="csv", test_fraction=0.5), few)
    with pytest.raises(ValueError, match="fewer than the 3 classes"):
        load_toy(DataConfig(name="csv", test_fraction=0.05), few)
    huge = read_points("x1,x2,label\n1e306,1,a\n-1e306,2,a\n3,4,b\n5,6,b\n7,8,a\n9,1,b\n")
    with pytest.raises(ValueError, match="within"):
        load_toy(DataConfig(name="csv", test_fraction=0.5), huge)


def test_student_text_is_shown_literally_in_markdown():
    from nncore.core.text import literal
    assert literal("<$50k") == "\\<\\$50k" and literal("![x](http://e)") == "!\\[x\\](http://e)"   # no image, no link
    assert literal("epochs (30 → at most 1).") == "epochs (30 → at most 1)."
