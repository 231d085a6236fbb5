"""Every option of every command acts, or is refused with one line and exit 2 (issue 29).

The walk reads the options from the parser itself (each subparser's actions), never from a list
written here. Per option it runs a tiny base run of its command with the option set to a boundary
value, which must be accepted and change the results (timings left out), and to out-of-range
values, which must exit 2 with one line on stderr and no traceback. Numbers and choices carry
their declared setting (``action.type.setting``), so their values come from the declaration:
the lower end of the range (the upper one where the lower is what the base run uses), one past
each end; a choice other than the base's, and a name that is no choice. Flags are toggled, and
given a value (``--json=1``) to be refused. Only the options that take a path need a case here
(``PATH_CASES``): a new one without a case fails ``test_every_option_is_walked``.

Runs are in-process (``main(argv)``, as the console script calls it) and tiny: ``--epochs 2`` on
moons, 256 synthetic images for the CNN, the smallest preset for ``warm``; ``bench`` runs a stand-in
for ``run_benchmarks`` that reports what it was asked, so the walk checks that ``--quick`` and
``--quiet`` reach it (``tests/test_bench.py`` runs the real one).
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
from dataclasses import dataclass
from unittest import mock

import numpy as np
import pytest

from nncore.cli import build_parser, main
from nncore.data.images import write_idx
from nncore.data.toy import DataConfig, points_csv
from tests.conftest import synthetic_digits

COMMANDS: dict[str, argparse.ArgumentParser] = dict(build_parser()._subparsers._group_actions[0].choices)
OPTIONS = [(name, a) for name, sp in COMMANDS.items() for a in sp._actions if not isinstance(a, argparse._HelpAction)]


def flag(action) -> str:
    return action.option_strings[0] if action.option_strings else action.dest


# The tiny run each option is walked from ({root} and {tmp}: the fixture's folders). --json and --quiet are added.
BASE = {
    "moons": ["--epochs", "2", "--seed", "1", "--workers", "1"],
    "mnist": ["--epochs", "2", "--limit-train", "256", "--data-dir", "{root}", "--no-download"],
    "transfer": ["--labels", "50", "--seeds", "2", "--steps", "20", "--source-epochs", "1", "--source-images", "256",
                 "--test-images", "80", "--data-dir", "{root}", "--no-download"],
    "warm": ["circles-features", "--folder", "{tmp}/warm"],
    "gradcheck": [],
    "bench": [],
    "export": ["--out", "{tmp}/export", "--seed", "1"],
}
# Options that take a path: (a value that must act, a value that must be refused).
PATH_CASES = {
    ("moons", "--lineup"): ("{tmp}/lineup.json", "{tmp}/no-such-lineup.json"),
    ("moons", "--data"): ("{tmp}/points.csv", "{tmp}/bad-points.csv"),
    ("mnist", "--data-dir"): ("{other}", "{tmp}/a-file"),
    ("mnist", "--save"): ("{tmp}/cnn.safetensors", "{tmp}/a-file/cnn.safetensors"),
    ("transfer", "--data-dir"): ("{other}", "{tmp}/a-file"),
    ("warm", "--folder"): ("{tmp}/elsewhere", "{tmp}/a-file"),
    ("export", "--out"): ("{tmp}/export-elsewhere", "{tmp}/a-file"),
    ("export", "--lineup"): ("{tmp}/lineup.json", "{tmp}/no-such-lineup.json"),
    ("export", "--data"): ("{tmp}/points.csv", "{tmp}/bad-points.csv"),
}
# Accepted, yet the same results by design: why.
SAME_RESULTS = {
    ("moons", "--workers"): "in processes or one after another, the same numbers (tests/test_cli.py checks it)",
    ("mnist", "--device"): "cpu is what auto picks on a machine without CUDA",
    ("mnist", "--no-download"): "acts only where the data folder lacks the set (and this machine is offline)",
    ("transfer", "--no-download"): "acts only where the data folder lacks the set (and this machine is offline)",
    ("gradcheck", "--quiet"): "gradcheck shows no progress; accepted like every command's",
    ("export", "--quiet"): "export writes files at once, with no progress to show; accepted like every command's",
}
TIMINGS = {"seconds", "train_seconds", "images_per_second", "source_seconds", "transfer_seconds", "scratch_seconds"}


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def results(self):
        """The JSON without timings (or the text table as it is)."""
        def drop(obj):
            if isinstance(obj, dict):
                return {k: drop(v) for k, v in obj.items() if k not in TIMINGS}
            return [drop(v) for v in obj] if isinstance(obj, list) else obj
        try:
            return drop(json.loads(self.out))
        except json.JSONDecodeError:
            return self.out


def fake_benchmarks(quick: bool = False, progress: bool = True) -> dict:
    if progress:
        print("benchmarking", file=sys.stderr)
    return {"benchmarks": [], "machine": "test", "extra": {"quick": quick}}


def cli(argv: list[str]) -> Run:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
            mock.patch("nncore.bench.run_benchmarks", fake_benchmarks):
        code = main(argv)
    return Run(code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="module")
def place(tmp_path_factory, idx_root):
    """The folders and files the runs read: images (MNIST and Fashion-MNIST layouts), points, a lineup."""
    import torch
    threads = torch.get_num_threads()          # the moons command trains on one torch thread: restored after
    tmp, root = tmp_path_factory.mktemp("cli"), tmp_path_factory.mktemp("images")
    for i, folder in enumerate(["MNIST", "FashionMNIST"]):
        write_idx(root / folder / "raw", *synthetic_digits(300, seed=10 + i), "train")
        write_idx(root / folder / "raw", *synthetic_digits(100, seed=20 + i), "t10k")
    (tmp / "a-file").write_text("a file, where a folder belongs")
    (tmp / "points.csv").write_text(points_csv(DataConfig(n_samples=200, seed=5)))
    (tmp / "bad-points.csv").write_text("x1,x2,label\n0.1,abc,a\n0.2,0.3,b\n")
    (tmp / "lineup.json").write_text(json.dumps([{"name": "Tiny", "framework": "numpy", "config": {"hidden": [3]}}]))
    yield {"tmp": str(tmp), "root": str(root), "other": str(idx_root)}
    from nncore.lineup import parallel
    parallel.shutdown()
    torch.set_num_threads(threads)


def argv(command: str, place: dict, *, without=None, extra: tuple = ()) -> list[str]:
    """The base run of ``command``, less option ``without`` (and its value), plus ``extra``."""
    args = [a.format(**place) for a in BASE[command]] + ["--json", "--quiet"]
    if without is not None and not without.option_strings:
        args = args[1:]                                    # a positional: the base's first word (warm's preset)
    elif without is not None and flag(without) in args:
        i = args.index(flag(without))
        del args[i:i + (1 if without.nargs == 0 else 2)]
    return [command, *args, *(e.format(**place) for e in extra)]


_BASE_RUNS: dict[str, Run] = {}


def base(command: str, place: dict) -> Run:
    if command not in _BASE_RUNS:
        _BASE_RUNS[command] = cli(argv(command, place))
        assert _BASE_RUNS[command].code == 0, _BASE_RUNS[command].err
    return _BASE_RUNS[command]


def used_by_base(command: str, action) -> str | None:
    args = BASE[command]
    if not action.option_strings:                          # a positional: the base's first word
        return args[0]
    if flag(action) in args:
        return args[args.index(flag(action)) + 1]
    return None if action.default is None else str(action.default)


def boundary_values(command: str, action) -> list[list[str]]:
    """The values to try, in order, for an option that must act: each is the argument list to add. For a
    number: its range's ends, less the value the base run uses (the lower end first: the cheaper one)."""
    f, setting = flag(action), getattr(action.type, "setting", None)
    if (command, f) in PATH_CASES:
        return [[f, PATH_CASES[command, f][0]]]
    if action.nargs == 0:                                   # a flag: toggled
        return [[]] if f in [*BASE[command], "--json", "--quiet"] else [[f]]      # (argv adds those two)
    if setting.kind == "choice":
        other = next(c for c in setting.choices if c != used_by_base(command, action))
        return [[other] if not action.option_strings else [f, other]]
    lo, hi = (int(setting.lo), int(setting.hi)) if setting.kind == "int" else (setting.lo, setting.hi)
    ends = [v for v in (lo, hi) if not (v == lo and setting.lo_open)]
    return [[f, str(v)] for v in ends if str(v) != used_by_base(command, action)]


def refused_values(command: str, action) -> list[list[str]]:
    f, setting = flag(action), getattr(action.type, "setting", None)
    if (command, f) in PATH_CASES:
        return [[f, PATH_CASES[command, f][1]]]
    if action.nargs == 0:
        return [[f"{f}=1"]]
    if setting.kind == "choice":
        return [["nope"] if not action.option_strings else [f, "nope"]]
    lo, hi = (int(setting.lo), int(setting.hi)) if setting.kind == "int" else (setting.lo, setting.hi)
    values = [lo - 1, hi + 1, "abc"] + ([lo] if setting.lo_open else []) + (["1.5"] if setting.kind == "int" else [])
    return [[f, str(v)] for v in values]


IDS = [f"{command} {flag(a)}" for command, a in OPTIONS]


def test_every_option_is_walked():
    """Each option is a declared setting, a flag, or a path with its case here; nothing else."""
    kinds = {(c, flag(a)): "setting" if hasattr(a.type, "setting") else "flag" if a.nargs == 0 else "path"
             for c, a in OPTIONS}
    assert {k for k, kind in kinds.items() if kind == "path"} == set(PATH_CASES)
    assert {"--json", "--quiet"} <= {f for _, f in kinds}
    assert set(BASE) == set(COMMANDS)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_the_base_runs_repeat_exactly(command, place):
    """Else "the option changed the results" would prove nothing."""
    assert cli(argv(command, place)).results == base(command, place).results


@pytest.mark.parametrize("command,action", OPTIONS, ids=IDS)
def test_a_boundary_value_acts(command, action, place):
    f, before = flag(action), base(command, place)
    values = boundary_values(command, action)
    assert values, f"{command} {f}: no boundary value to try"
    for extra in values:                                   # in order, until one acts
        run = cli(argv(command, place, without=action, extra=extra))
        assert run.code == 0 and "Traceback" not in run.err, (extra, run.err)
        if (command, f) in SAME_RESULTS:
            return                                         # accepted is all it can show
        if (run.err != before.err) if f == "--quiet" else (run.results != before.results):
            return
    pytest.fail(f"{command} {f} {values} changed nothing")


@pytest.mark.parametrize("command,action", OPTIONS, ids=IDS)
def test_an_out_of_range_value_is_one_line_and_exit_2(command, action, place):
    setting = getattr(action.type, "setting", None)
    for extra in refused_values(command, action):
        run = cli(argv(command, place, without=action, extra=extra))
        lines = run.err.strip().splitlines()
        assert run.code == 2 and len(lines) == 1 and "Traceback" not in run.err, (extra, run.err)
        assert run.out == "" and "[]" not in lines[0], (extra, lines)
        if setting is not None and action.option_strings:
            assert flag(action) in lines[0], lines          # it names the option
        if setting is not None and setting.kind == "choice":
            assert all(c in lines[0] for c in setting.choices), lines   # and what it accepts
        elif setting is not None:
            ends = [str(int(v)) if setting.kind == "int" else f"{v:g}" for v in (setting.lo, setting.hi)]
            assert all(e in lines[0] for e in ends), lines


def test_the_cnn_learning_rate_changes_the_training(place):
    """The issue's case: --learning-rate was accepted and dropped."""
    runs = [cli(argv("mnist", place, extra=("--learning-rate", rate))) for rate in ("0.5", "0.001")]
    assert all(r.code == 0 for r in runs)
    losses = [[row["train_loss"] for row in r.results["history"]] for r in runs]
    assert not np.allclose(losses[0], losses[1])


def test_help_exits_0_and_a_missing_command_is_one_line():
    assert cli(["moons", "--help"]).code == 0
    run = cli([])
    assert run.code == 2 and len(run.err.strip().splitlines()) == 1 and "command" in run.err
