"""Every model exported as code: scripts and notebooks that run in a fresh process without nncore and
print the test accuracy the dashboard reports; the scratch network's readable class computes the very
weights the scratch family computes."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import nbformat
import numpy as np
import pytest
import torch

from nncore.cli import main
from nncore.data.toy import DataConfig, load_toy
from nncore.export import file_stem, notebook, script, write
from nncore.export.scratch_net import ScratchNet
from nncore.lineup.comparison import compare
from nncore.models.registry import PRESETS, ModelSpec
from nncore.models.scratch import ScratchConfig, ScratchNetwork
from tests.conftest import ROOT

# A fresh interpreter (-I: no current folder, no user site) in which importing nncore fails.
WITHOUT_NNCORE = ("import sys; sys.modules['nncore'] = None; sys.argv = sys.argv[1:]; "
                  "exec(compile(open(sys.argv[0]).read(), sys.argv[0], 'exec'))")


def run_scripts(paths) -> list[str]:
    """Run the scripts side by side (two cores), each in its own process; their stdout."""
    procs = [subprocess.Popen([sys.executable, "-I", "-c", WITHOUT_NNCORE, str(p)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, cwd="/") for p in paths]
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        outs.append(out)
    return outs


def printed(out: str) -> float:
    return float(re.search(r"test accuracy: ([0-9.]+)", out).group(1))


@pytest.mark.parametrize("config, data", [
    (ScratchConfig(), DataConfig(n_samples=200)),                                         # sgd + momentum, tanh
    (ScratchConfig(hidden=(8, 8), activation="relu", init="he", optimizer="adam", learning_rate=0.02, batch_size=0,
                   l2=0.001, epochs=40, seed=3), DataConfig(name="spiral", n_samples=150, noise=0.2)),
    (ScratchConfig(hidden=(4,), activation="sigmoid", init="seed", learning_rate=0.01, momentum=0.0, epochs=30),
     DataConfig(name="xor", n_samples=120)),
])
def test_the_readable_scratch_class_computes_the_familys_weights(config, data):
    toy = load_toy(data)
    ours = ScratchNetwork(config, 2, toy.n_classes)
    ours.fit(toy.X_train, toy.y_train)
    sizes = [2, *config.hidden, 1 if toy.n_classes == 2 else toy.n_classes]
    theirs = ScratchNet(sizes, config.activation, config.init, config.optimizer, config.learning_rate,
                        config.momentum, config.l2, config.batch_size, config.seed).fit(toy.X_train, toy.y_train,
                                                                                         config.epochs)
    for (W, b), W2, b2 in zip(ours.layer_weights, theirs.W, theirs.b):
        np.testing.assert_array_equal(W, W2)
        np.testing.assert_array_equal(b, b2)


@pytest.mark.parametrize("preset", ["default", "seed"])
def test_exported_scripts_print_the_dashboards_test_accuracy(preset, tmp_path):
    data_cfg, lineup = PRESETS[preset]
    written = write(data_cfg, lineup, tmp_path)
    expected = {m["name"]: m["test_accuracy"]
                for m in compare(data_cfg, lineup, snapshots=0, workers=2).summary()["models"]}
    outs = run_scripts([w["script"] for w in written])
    for w, out in zip(written, outs):
        assert "nncore" not in open(w["script"]).read().split('"""', 2)[-1].replace("nncore-", "")
        assert printed(out) == pytest.approx(expected[w["name"]], abs=1e-9), w["name"]


def test_engineered_inputs_and_a_classical_baseline_and_three_classes(tmp_path):
    data_cfg = DataConfig(name="circles", n_samples=300, noise=0.1)
    lineup = (ModelSpec.from_dict({"name": "Circle line", "framework": "logistic",
                                   "config": {"inputs": ["x1^2", "x2^2"]}}),
              ModelSpec.from_dict({"name": "Sines", "framework": "numpy",
                                   "config": {"inputs": ["x1", "x2", "sin(x1)", "x1*x2"], "epochs": 20}}),
              ModelSpec.from_dict({"name": "Forest", "framework": "forest", "config": {"n_estimators": 20}}))
    spiral = DataConfig(name="spiral", n_samples=150)
    torch3 = (ModelSpec.from_dict({"name": "Torch on the spiral", "framework": "torch", "config": {"epochs": 20}}),)
    written = write(data_cfg, lineup, tmp_path / "a") + write(spiral, torch3, tmp_path / "b")
    expected = [m["test_accuracy"] for m in compare(data_cfg, lineup, snapshots=0, workers=2).summary()["models"]]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)                  # as every training of the dashboard (and the script) runs
    try:
        expected += [compare(spiral, torch3, snapshots=0, workers=1).summary()["models"][0]["test_accuracy"]]
    finally:
        torch.set_num_threads(threads)
    for acc, out in zip(expected, run_scripts([w["script"] for w in written])):
        assert printed(out) == pytest.approx(acc, abs=1e-9)
    assert expected[0] >= 0.95                # x1² and x2² let a straight line in them draw the circle


@pytest.mark.parametrize("preset", ["default", "seed"])
def test_notebooks_are_valid_and_their_cells_run_in_order(preset, tmp_path):
    """Every notebook of the preset is valid nbformat; its code cells, run in order in a fresh process
    without nncore, print the dashboard's test accuracy; and one runs in a real Jupyter kernel."""
    data_cfg, lineup = PRESETS[preset]
    expected = {m["name"]: m["test_accuracy"]
                for m in compare(data_cfg, lineup, snapshots=0, workers=2).summary()["models"]}
    paths = []
    for i, spec in enumerate(lineup):
        nb = nbformat.reads(notebook(data_cfg, spec), as_version=4)
        nbformat.validate(nb)
        assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith(f"# {spec.name}")
        paths.append(tmp_path / f"cells-{i}.py")
        paths[-1].write_text("\n\n".join(c.source for c in nb.cells if c.cell_type == "code"))
    for spec, out in zip(lineup, run_scripts(paths)):
        assert printed(out) == pytest.approx(expected[spec.name], abs=1e-9), spec.name
    if preset == "default":
        nbclient = pytest.importorskip("nbclient")
        nb = nbformat.reads(notebook(data_cfg, lineup[0]), as_version=4)
        nbclient.NotebookClient(nb, timeout=300, kernel_name="python3").execute(cwd=str(tmp_path))
        text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
        assert printed(text) == pytest.approx(expected[lineup[0].name], abs=1e-9)


def test_file_names_and_headers_from_hostile_model_names(tmp_path):
    spec = ModelSpec.from_dict({"name": '../"""; import os #', "framework": "numpy", "config": {"epochs": 2}})
    assert file_stem(spec) == "import-os"
    text = script(DataConfig(n_samples=60), spec)
    compile(text, "exported.py", "exec")                   # a name with quotes cannot break out of the docstring
    written = write(DataConfig(n_samples=60), (spec, spec), tmp_path)
    assert {w["script"] for w in written} == {str(tmp_path / "import-os.py"), str(tmp_path / "import-os-2.py")}


def test_the_export_command_writes_the_same_files(tmp_path, capsys):
    assert main(["export", "--preset", "seed", "--out", str(tmp_path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    data_cfg, lineup = PRESETS["seed"]
    assert [m["name"] for m in out["models"]] == [s.name for s in lineup]
    for m, spec in zip(out["models"], lineup):
        assert open(m["script"]).read() == script(data_cfg, spec)
        assert json.loads(open(m["notebook"]).read())["cells"] == json.loads(notebook(data_cfg, spec))["cells"]
    lineup_file = tmp_path / "mine.json"
    lineup_file.write_text(json.dumps([{"name": "Mine", "framework": "numpy", "config": {"hidden": [3]}}]))
    assert main(["export", "--lineup", str(lineup_file), "--out", str(tmp_path / "mine"), "--json"]) == 0
    assert "*[3]," in open(tmp_path / "mine" / "mine.py").read()              # its one hidden layer of 3


@pytest.mark.parametrize("recipe", ["fast", "seed"])
def test_the_cnn_script_prints_what_the_dashboards_cnn_scores(recipe, idx_root):
    """The MNIST page's CNN exported, run on the same images (its first argument: the data folder): the
    test accuracy the command line reports in float32 (the dashboard's bfloat16 and fused kernels aside)."""
    from nncore.export import cnn as cnn_export
    from nncore.models.cnn import CNNConfig
    config = CNNConfig(epochs=1, limit_train=64, recipe=recipe)
    nbformat.validate(nbformat.reads(cnn_export.notebook(config), as_version=4))
    path = idx_root / f"cnn-{recipe}.py"
    path.write_text(cnn_export.script(config))
    ran = subprocess.run([sys.executable, "-I", "-c", WITHOUT_NNCORE, str(path), str(idx_root)], capture_output=True,
                         text=True, timeout=300, cwd="/")
    assert ran.returncode == 0, ran.stderr
    ours = subprocess.run([sys.executable, "-m", "nncore", "mnist", "--epochs", "1", "--limit-train", "64", "--recipe",
                           recipe, "--data-dir", str(idx_root), "--no-download", "--json", "--quiet"], text=True,
                          capture_output=True, timeout=300, env={**os.environ, "NNCORE_FORCE_FP32": "1"}, cwd=ROOT)
    assert printed(ran.stdout) == pytest.approx(json.loads(ours.stdout)["test_accuracy"], abs=1e-6)
