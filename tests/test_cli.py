import json
import subprocess
import sys

from tests.conftest import ROOT


def run_cli(*args, timeout=300):
    out = subprocess.run([sys.executable, "-m", "nncore", *args], cwd=ROOT, capture_output=True, text=True,
                         timeout=timeout)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_moons_json_and_determinism():
    a = run_cli("moons", "--json", "--epochs", "30", "--seed", "3", "--quiet")              # in worker processes
    b = run_cli("moons", "--json", "--epochs", "30", "--seed", "3", "--quiet", "--workers", "1")  # one by one
    assert a["dataset"]["name"] == "moons" and a["dataset"]["seed"] == 3
    names = [m["name"] for m in a["models"]]
    assert len(names) == 3 and {m["framework"] for m in a["models"]} == {"numpy", "torch", "sklearn"}
    for m in a["models"]:
        assert set(m) >= {"name", "framework", "test_accuracy", "train_loss", "epochs", "train_seconds",
                          "parameters", "status"}
        assert m["epochs"] == 30 and m["status"] == "ok"
    strip = lambda r: [{k: v for k, v in m.items() if k != "train_seconds"} for m in r["models"]]  # noqa
    assert strip(a) == strip(b)


def test_seed_preset():
    out = run_cli("moons", "--preset", "seed", "--json", "--quiet")
    scratch, torch_net, he_init = out["models"]
    assert scratch["framework"] == "numpy" and scratch["train_loss"] > 0.65   # chance-level loss
    assert scratch["status"] == "barely learned"
    assert torch_net["test_accuracy"] >= 0.97 and torch_net["status"] == "ok"
    # the one-variable experiment: only the initialisation differs, and the loss leaves chance behind
    assert he_init["status"] == "ok" and he_init["train_loss"] < 0.45


def test_gradcheck_json():
    out = run_cli("gradcheck", "--json")
    assert len(out["rows"]) == 6
    assert out["max_vs_numerical"] < 1e-6 and out["max_vs_autograd"] < 1e-6


def test_mnist_json_and_save(idx_root, tmp_path):
    ckpt = tmp_path / "cnn.safetensors"
    out = run_cli("mnist", "--dataset", "mnist", "--epochs", "1", "--limit-train", "300", "--data-dir",
                  str(idx_root), "--no-download", "--save", str(ckpt), "--json", "--quiet")
    assert out["source"] == "local" and out["n_train"] == 300 and out["n_test"] == 200
    assert set(out) >= {"dataset", "source", "n_train", "n_test", "epochs", "test_accuracy", "test_loss",
                        "train_seconds", "images_per_second", "history"}
    assert len(out["history"]) == 1 and ckpt.stat().st_size > 0


def test_bad_value_is_an_error_not_a_traceback():
    out = subprocess.run([sys.executable, "-m", "nncore", "mnist", "--epochs", "0", "--json"], cwd=ROOT,
                         capture_output=True, text=True)
    assert out.returncode == 2 and "epochs must be" in out.stderr and "Traceback" not in out.stderr
    out = subprocess.run([sys.executable, "-m", "nncore", "moons", "--workers", "0", "--json"], cwd=ROOT,
                         capture_output=True, text=True)
    assert out.returncode == 2 and "workers must be" in out.stderr and "Traceback" not in out.stderr


def test_the_shallow_vs_deep_preset_shows_depth_helping():
    shallow, deep = run_cli("moons", "--preset", "shallow-vs-deep", "--json", "--quiet")["models"]
    assert deep["test_accuracy"] >= 0.88 and deep["test_accuracy"] - shallow["test_accuracy"] >= 0.1
