"""The command line: ``python -m nncore <command> [--json]``. With ``--json`` one JSON object goes to
stdout; progress bars always go to stderr. Every option acts or is refused: a bad value exits 2 with one
line naming the option and what it accepts. Numbers and choices are declared settings (``core.settings``),
checked as they are parsed; ``tests/test_cli_options.py`` walks every option of every command."""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import re
from pathlib import Path

from ..core.settings import Setting, settings_of
from ..data.toy import DataConfig
from ..engine.transfer_config import TransferConfig
from ..models.cnn import CNNConfig
from ..models.registry import FAMILIES, PRESETS
from .commands import cmd_bench, cmd_export, cmd_gradcheck, cmd_mnist, cmd_moons, cmd_transfer, cmd_warm, fail


class _Parser(argparse.ArgumentParser):
    """argparse, with every refusal on one line (the usage is in ``--help``)."""

    def error(self, message: str):
        message = re.sub(r"^argument (\S+): \1 ", r"\1 ", message)   # a declared check names its option already
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _typed(flag: str, s: Setting):
    """An argparse type from a declared setting: it converts, checks, and refuses in the setting's words."""
    def convert(text: str):
        value = text
        with contextlib.suppress(ValueError):        # "1.5" for an int: the check says "a whole number"
            value = {"int": int, "float": float}.get(s.kind, str)(text)
        try:
            return s.check(flag, value)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    convert.setting, convert.__name__ = s, s.kind      # .setting: what the option walk's test reads
    return convert


def _declared(parser, flag: str, s: Setting, default=None, help: str = ""):  # noqa: A002
    text = help or s.help if s.choices else f"{help or s.help} ({s.describe()})"   # choices: in the usage
    parser.add_argument(flag, type=_typed(flag, s), default=default, choices=s.choices or None,
                        help=text.replace("%", "%%"))                      # argparse formats help with %


def _shared(name: str, configs) -> Setting:
    """One option for field ``name`` of several configs: the range that every one of them accepts."""
    found = [settings_of(c)[name] for c in configs if name in settings_of(c)]
    return dataclasses.replace(found[0], lo=max(s.lo for s in found), hi=min(s.hi for s in found))


PRESET = Setting("choice", "Preset", "the data and lineup to start from", choices=tuple(PRESETS))
WORKERS = Setting("int", "Workers", "models trained at once, in processes (default 2; capped at the cores, "
                  "NNCORE_MAX_TRAINERS and the models); 1: one after another, with the same numbers", lo=1, hi=64)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="nncore", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    def command(name: str, fn, help: str):  # noqa: A002
        sp = sub.add_parser(name, help=help, description=help)
        sp.add_argument("--json", action="store_true", help="print one JSON object on stdout")
        sp.add_argument("--quiet", action="store_true", help="no progress bar on stderr")
        sp.set_defaults(fn=fn)
        return sp

    def lineup_options(m):
        _declared(m, "--preset", PRESET, default="default")
        m.add_argument("--lineup", type=Path, default=None, help="a JSON file holding the lineup, in the form of "
                       "a link's models value: [{\"name\": ..., \"framework\": ..., \"config\": {...}}, ...]")
        m.add_argument("--data", type=Path, default=None, help="a CSV of your own points: columns x1, x2, label "
                       "(at most 5,000 rows, 2 to 10 classes); split and scaled like the built-in sets")
        _declared(m, "--seed", _shared("seed", [DataConfig, *(f.config for f in FAMILIES.values())]),
                  help="seed for data and every model")
        _declared(m, "--epochs", _shared("epochs", [f.config for f in FAMILIES.values() if f.stages == "epochs"]),
                  help="every model trained in epochs trains this many (trees, rounds and one-fit models keep "
                  "theirs)")

    m = command("moons", cmd_moons, "train the lineup on moons")
    lineup_options(m)
    _declared(m, "--repeats", settings_of(DataConfig)["repeats"], help="train each model K times, with seeds "
              "derived from its own; the JSON gives test_accuracy_mean, _std, test_accuracies and seeds")
    _declared(m, "--workers", WORKERS)

    c = command("mnist", cmd_mnist, "train the CNN on MNIST or Fashion-MNIST")
    for name, setting in settings_of(CNNConfig).items():      # every declared setting, and only those
        _declared(c, f"--{name.replace('_', '-')}", setting, default=getattr(CNNConfig(), name))
    c.add_argument("--data-dir", type=Path, default=None, help="data folder (default: data/, or NNCORE_DATA)")
    c.add_argument("--no-download", action="store_true", help="do not try torchvision's download")
    c.add_argument("--save", type=Path, default=None, help="write a safetensors checkpoint here")

    t = command("transfer", cmd_transfer, "fine-tune a CNN trained on one image set on a few labels of the other, "
                "against the same CNN from scratch, per label count and over seeds")
    for name, setting in settings_of(TransferConfig).items():    # every declared setting, and only those
        _declared(t, f"--{name.replace('_', '-')}", setting, default=getattr(TransferConfig(), name))
    t.add_argument("--data-dir", type=Path, default=None, help="data folder (default: data/, or NNCORE_DATA)")
    t.add_argument("--no-download", action="store_true", help="do not try torchvision's download")

    w = command("warm", cmd_warm, "train the presets before class, so a lesson's first click is instant")
    w.add_argument("presets", nargs="*", type=_typed("PRESET", PRESET), metavar="PRESET",   # no choices= here:
                   help=f"which presets (default: all of {', '.join(PRESETS)})")   # argparse checks [] against them
    w.add_argument("--folder", type=Path, default=None, help="where to keep them (default: .nncore-cache/, or "
                   "NNCORE_CACHE)")
    e = command("export", cmd_export, "write each model of the lineup as a script and a notebook that retrain it "
                "without nncore")
    lineup_options(e)
    e.add_argument("--out", type=Path, required=True, help="the folder to write the .py and .ipynb files to")
    command("gradcheck", cmd_gradcheck, "check backprop against central differences and autograd")
    b = command("bench", cmd_bench, "benchmarks against peers measured in the same run")
    b.add_argument("--quick", action="store_true", help="a shortened run of under a minute")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run one command; the exit status: 0, or 2 for a refused option or value (one line on stderr)."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:                     # --help (0) or a refused option (2), returned like the rest
        return exc.code if isinstance(exc.code, int) else 2
    try:
        return args.fn(args)
    except (ValueError, RuntimeError, OSError) as exc:                    # one line, never a traceback
        return fail(f"nncore {args.command}", exc)
