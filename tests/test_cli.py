import importlib.util
import json
import re
import shlex
import subprocess
import sys

from nncore.cli import build_parser, main
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


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
    assert round(scratch["test_accuracy"], 2) == 0.88      # the 88 % the lesson and the README quote beside it
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


def refused(*args):
    out = subprocess.run([sys.executable, "-m", "nncore", *args], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 2 and out.stdout == "" and "Traceback" not in out.stderr, out.stderr
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr     # one line, not argparse's usage
    return out.stderr


def test_bad_values_are_one_line_and_exit_2_not_a_traceback(capsys):
    """Through the entry point, then in-process (``tests/test_cli_options.py`` walks every option)."""
    assert "--epochs must be between 1 and 100, got 0" in refused("mnist", "--epochs", "0", "--json")
    assert "--epochs must be between 1 and" in refused("moons", "--epochs", "0", "--json")   # was: ignored
    line = refused("warm", "nope")
    assert "must be one of seed, default" in line and "[]" not in line
    for args, words in [(["moons", "--workers", "0"], "--workers must be between 1 and"),
                        (["mnist", "--learning-rate", "5"], "--learning-rate must be in [0, 1], got 5.0"),
                        (["moons", "--preset", "nope"], "--preset must be one of seed, default")]:
        assert main(args) == 2
        err = capsys.readouterr().err
        assert words in err and len(err.strip().splitlines()) == 1, err


def test_the_shallow_vs_deep_preset_shows_depth_helping():
    shallow, deep = run_cli("moons", "--preset", "shallow-vs-deep", "--json", "--quiet")["models"]
    assert deep["test_accuracy"] >= 0.88 and deep["test_accuracy"] - shallow["test_accuracy"] >= 0.1


# --- the README, read as a new user would: every command and file it names exists and works ----------

def readme_commands() -> list[str]:
    """Every command line in the README: each line of its bash blocks, and each inline code span that
    starts like one."""
    blocks = re.findall(r"```bash\n(.*?)```", README, re.S)
    lines = [ln for b in blocks for ln in b.splitlines() if ln.strip()]
    spans = re.findall(r"`([^`\n]+)`", README)
    starts = ("python -m ", "python3 ", "nncore ", "streamlit ", "bash ", "pip ", "git ", "--server.")
    return lines + [s for s in spans if s.startswith(starts) or re.match(r"[A-Z_]+=\S+ \w", s)]


def test_the_readme_test_command_is_what_ci_runs():
    ci = (ROOT / ".ci" / "run").read_text()
    blocks = re.findall(r"```bash\n(.*?)```", README, re.S)
    assert len(blocks) == 2 and blocks[1].strip() in ci.splitlines()
    assert "streamlit run dashboard.py" in blocks[0] and "requirements.txt" in blocks[0]


REFUSED_EXAMPLES = {"python -m nncore moons --epochs 0"}      # the README's example of a refusal


def test_every_command_the_readme_names_exists():
    parser, checked = build_parser(), 0
    for line in readme_commands():
        for part in (p.strip() for p in line.split("&&")):
            words = shlex.split(re.sub(r"^[A-Z_]+=\S+ ", "", part))          # NNCORE_X=4 streamlit run ...
            if words[:3] == ["python", "-m", "nncore"] or words[:1] == ["nncore"]:
                rest = words[3:] if words[0] == "python" else words[1:]
                if any(ch in part for ch in "[<|"):
                    continue                                                   # a syntax line, not a command
                if part in REFUSED_EXAMPLES:
                    assert refused(*rest), part
                else:
                    assert parser.parse_args([*rest, "--json"]).fn is not None, part
            elif words[:2] == ["python", "-m"] or words[:2] == ["python3", "-m"]:
                assert words[2] in ("venv", "pytest") or importlib.util.find_spec(words[2]), part
                if words[2] == "pytest" and "-m" in words[3:]:
                    assert words[words.index("-m", 3) + 1].split()[-1] in (ROOT / "pyproject.toml").read_text()
            elif words[:2] == ["streamlit", "run"] or words[:1] == ["bash"]:
                assert (ROOT / words[1 if words[0] == "bash" else 2]).exists(), part
            if words[0] in ("streamlit", "--server.address", "--server.port"):
                from streamlit import config
                for option in (w[2:] for w in words if w.startswith("--")):
                    config.get_option(option)                      # raises for an option Streamlit lacks
            elif words[:2] == ["pip", "install"] and "-r" in words:
                assert (ROOT / words[words.index("-r") + 1]).exists(), part
            checked += 1
    assert checked >= 12


def test_every_file_the_readme_names_exists_or_is_made_by_a_command():
    named = set(re.findall(r"`([\w.][\w./-]*(?:/|\.(?:py|md|toml|txt|cc|png|safetensors)))`", README))
    named |= set(re.findall(r"\]\(((?:docs/)?[\w./-]+\.(?:md|png))\)", README))
    named -= {"pages/"}                                     # named as what the project avoids
    missing = [n for n in sorted(named) if not (ROOT / n).exists() and subprocess.run(
        ["git", "check-ignore", "-q", n], cwd=ROOT).returncode != 0]     # a made folder (models/) is ignored
    assert len(named) >= 15 and not missing, missing
    slugs = {re.sub(r"[^\w -]", "", h.lower()).replace(" ", "-") for h in re.findall(r"^#+ (.+)$", README, re.M)}
    assert set(re.findall(r"\]\(#([\w-]+)\)", README)) <= slugs


def test_every_option_is_in_the_readme_and_every_option_there_exists():
    commands = build_parser()._subparsers._group_actions[0].choices
    rows = {name: row for name, row in re.findall(r"^\| `(\w+)([^|]*(?:\\\|[^|]*)*)` \|", README, re.M)
            if name in commands}
    assert set(rows) == set(commands)
    for name, sp in commands.items():
        options = {o for a in sp._actions for o in a.option_strings} - {"-h", "--help", "--json", "--quiet"}
        assert set(re.findall(r"--[\w-]+", rows[name])) == options, name


def test_every_environment_setting_is_read_in_env_py_and_documented():
    source = (ROOT / "nncore" / "env.py").read_text()
    names = set(re.findall(r"\"((?:NNCORE_)?[A-Z][A-Z0-9_]+)\"", source)) - {"NNCORE_"}
    assert {"NNCORE_DATA", "NNCORE_MODELS", "NNCORE_CACHE", "NNCORE_FUSED", "CXX"} <= names
    table = dict(re.findall(r"^\| `(\w+)` \| ([^|]+) \|", README, re.M))
    assert not names - set(table), names - set(table)
    assert all(table[n].strip() for n in names)                             # each with its default
    readers = [str(p.relative_to(ROOT)) for p in (ROOT / "nncore").rglob("*.py") if "os.environ" in p.read_text()]
    assert readers == ["nncore/env.py"], readers
