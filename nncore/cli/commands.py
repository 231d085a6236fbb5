"""What each command does: read its options, train or check, and print one JSON object (``--json``) or a
table on stdout; progress goes to stderr. The options themselves are declared in ``nncore.cli``."""
from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path

from tqdm import tqdm

from ..core.settings import settings_of
from ..models.cnn import CNNConfig
from ..models.registry import PRESETS, ModelSpec


def _clean(obj):
    """JSON has no NaN: turn non-finite floats into null."""
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    return None if isinstance(obj, float) and not math.isfinite(obj) else obj


def _emit(payload: dict, as_json: bool, table: list[str]) -> None:
    if as_json:
        json.dump(_clean(payload), sys.stdout)
        sys.stdout.write("\n")
    else:
        print("\n".join(table))


def _fmt(x, spec=".4f") -> str:
    return "-" if x is None or (isinstance(x, float) and not math.isfinite(x)) else format(x, spec)


def _lineup_file(path: Path):
    """A ``--lineup`` file: the same JSON as a link's ``models`` value."""
    from ..urlstate import parse_lineup
    try:
        if path.stat().st_size > 1_000_000:
            raise ValueError(f"{path} is over 1 MB; a lineup file is a few hundred bytes")
        return parse_lineup(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read the lineup file {path}: {exc}") from None


def _points_file(path: Path):                            # --data: checked like an upload on the page
    from ..data.points import check_size, read_points
    try:
        check_size(path.stat().st_size)                 # a huge file is refused unread
        return read_points(path.read_bytes())
    except OSError as exc:
        raise ValueError(f"cannot read the data file {path}: {exc.strerror or exc}") from None


def _writable(path: Path | None, flag: str, folder: bool) -> Path | None:
    """A folder or file to write (made if missing), checked before any training: not a file where a folder
    goes (or the reverse), and not under a file."""
    if path is not None and path.exists() and path.is_dir() != folder:
        raise ValueError(f"{flag} must name a {'folder' if folder else 'file'}; {path} is not one")
    if path is not None and (above := next((p for p in path.parents if p.exists()), None)) and not above.is_dir():
        raise ValueError(f"{flag} cannot be written under {above}: it is a file")
    return path


def _setup(args):
    """The data, the lineup and any uploaded points that moons and export options name."""
    data_cfg, lineup = PRESETS[args.preset]
    points = _points_file(args.data) if args.data is not None else None
    data_cfg = data_cfg.replace(name="csv") if points is not None else data_cfg
    if args.lineup is not None:
        lineup = _lineup_file(args.lineup)
    data_cfg = data_cfg.replace(seed=args.seed) if args.seed is not None else data_cfg
    lineup = tuple(ModelSpec(s.name, s.config.replace(
        **({"epochs": args.epochs} if args.epochs is not None and s.family.stages == "epochs" else {}),
        **({"seed": args.seed} if args.seed is not None else {}))) for s in lineup)
    return data_cfg, lineup, points


def cmd_export(args) -> int:
    """Each model of the lineup as a standalone script and a notebook that retrain it without nncore."""
    from ..export import write
    data_cfg, lineup, points = _setup(args)
    out = _writable(args.out, "--out", folder=True)
    written = write(data_cfg, lineup, out, points)
    payload = {"folder": str(out), "dataset": data_cfg.to_dict(),
               "models": [{**w, "config": s.config.to_dict()} for w, s in zip(written, lineup)]}
    _emit(payload, args.json, [f"{w['name']}: {w['script']}, {w['notebook']}" for w in written])
    return 0


def cmd_moons(args) -> int:
    from ..lineup import parallel
    from ..lineup.comparison import compare
    parallel.one_torch_thread()
    data_cfg, lineup, points = _setup(args)
    data_cfg = data_cfg.replace(repeats=args.repeats) if args.repeats is not None else data_cfg
    total, done = sum(s.planned for s in lineup) * data_cfg.repeats, {}
    if (workers := parallel.worker_count(args.workers, len(lineup) * data_cfg.repeats)) > 1:
        parallel.warm(workers)          # before the progress bar's thread: workers fork from here, at once
    with tqdm(total=total, desc="training", unit="stage", file=sys.stderr, disable=args.quiet) as bar:
        def progress(i, spec, history):     # per epoch in sequence; per finished model from the workers
            bar.set_postfix_str(spec.name)
            bar.update(history.epochs_run - done.get((i, spec), 0))
            done[(i, spec)] = history.epochs_run
        result = compare(data_cfg, lineup, snapshots=0, on_progress=progress, points=points, workers=workers)
    summary = result.summary()
    rows = [f"{'model':<22} {'framework':<9} {'test acc':>9} {'train loss':>11} {'epochs':>7} "
            f"{'seconds':>8} {'params':>7} status"]
    for m in summary["models"]:
        rows.append(f"{m['name']:<22} {m['framework']:<9} {_fmt(m['test_accuracy'], '9.3f')} "
                    f"{_fmt(m['train_loss'], '11.4f')} {m['epochs']:>7} {m['train_seconds']:>8.2f} "
                    f"{_fmt(m['parameters'], '7d')} {m['status']}")
        if data_cfg.repeats > 1:
            runs = ", ".join(_fmt(a, ".3f") for a in m["test_accuracies"])
            rows.append(f"{'':<22} over {data_cfg.repeats} seeds: mean {_fmt(m['test_accuracy_mean'], '.3f')} "
                        f"± {_fmt(m['test_accuracy_std'], '.3f')} (runs: {runs})")
    _emit(summary, args.json, rows)
    return 0


def cmd_mnist(args) -> int:
    from ..data.images import load_images
    from ..engine.cnn import CNNTraining
    from ..models.checkpoints import save_checkpoint
    cfg = CNNConfig(**{name: getattr(args, name) for name in settings_of(CNNConfig)})   # every option acts
    _writable(args.data_dir, "--data-dir", folder=True)
    _writable(args.save, "--save", folder=False)    # refused now, not after the training
    data = load_images(cfg.dataset, args.data_dir, download=not args.no_download)
    run = CNNTraining(cfg, data)
    print(f"{cfg.dataset}: {data.n_train} train / {data.n_test} test images from {data.source_label}; "
          f"training {run.n_train} images for {cfg.epochs} epoch(s): {run.estimate()}", file=sys.stderr)
    with tqdm(total=run.batches, desc=f"{cfg.dataset} ({cfg.recipe})", unit="batch", file=sys.stderr,
              disable=args.quiet) as bar:
        written = 0                                   # epochs reported on stderr
        while not run.done:
            frame = run.advance(batches=20)
            bar.update(frame.batch - bar.n)
            bar.set_postfix(loss=f"{frame.loss:.3f}")
            h = frame.history
            for i in range(written, h.epochs_run):
                bar.write(f"epoch {h.epoch[i]}: train loss {h.train_loss[i]:.4f}, test loss "
                          f"{h.val_loss[i]:.4f}, test accuracy {h.val_accuracy[i]:.4f}", file=sys.stderr)
            written = h.epochs_run
    result = run.result()
    payload = {"dataset": cfg.dataset, "source": data.source, "n_train": result.n_train,
               "n_test": data.n_test, "epochs": result.history.epochs_run, "recipe": cfg.recipe,
               **result.summary(), "history": result.history.rows()}
    if args.save:
        path = save_checkpoint(args.save, result.model, {
            "dataset": cfg.dataset, "classes": list(data.classes), "test_accuracy": result.test_accuracy,
            "epochs": result.history.epochs_run, "recipe": cfg.recipe, "source": data.source,
            "n_train": result.n_train, "saved": time.strftime("%Y-%m-%d %H:%M")})
        payload["saved"] = str(path)
    _emit(payload, args.json, [f"{k}: {v}" for k, v in payload.items() if k != "history"])
    return 0


def cmd_transfer(args) -> int:
    from ..data.images import load_images
    from ..engine.transfer import TransferConfig, TransferTraining
    cfg = TransferConfig(**{name: getattr(args, name) for name in settings_of(TransferConfig)})
    _writable(args.data_dir, "--data-dir", folder=True)
    source, target = (load_images(d, args.data_dir, download=not args.no_download) for d in (cfg.source, cfg.target))
    run = TransferTraining(cfg, source, target)
    print(f"{cfg.source} ({source.source_label}) -> {cfg.target} ({target.source_label}): {run.stages} "
          f"trainings, {run.estimate()}", file=sys.stderr)
    with tqdm(total=run.batches, desc="transfer", unit="step", file=sys.stderr, disable=args.quiet) as bar:
        while not run.done:
            frame = run.advance(batches=50)
            bar.update(frame.batch - bar.n)
            bar.set_postfix_str(frame.label)
    payload = run.result().summary()
    table = [f"source: {cfg.source}, test accuracy {_fmt(payload['source_test_accuracy'], '.3f')}; target: "
             f"{cfg.target}; {cfg.freeze} frozen; {cfg.steps} steps of {payload['batch']}"]
    table += [f"{'labels':>7} {'transfer':>16} {'scratch':>16} {'s each (t/s)':>14}"]
    for r in payload["rows"]:
        t, s = (f"{_fmt(r[a + '_mean'], '.3f')} ± {_fmt(r[a + '_std'], '.3f')}" for a in ("transfer", "scratch"))
        each = [sum(r[a + "_seconds"]) / max(len(r[a + "_seconds"]), 1) for a in ("transfer", "scratch")]
        table.append(f"{r['labels_used']:>7} {t:>16} {s:>16} {each[0]:>6.2f}/{each[1]:<6.2f}")
    _emit(payload, args.json, table + payload["verdicts"])
    return 0


def cmd_warm(args) -> int:
    """Train the presets ahead of class into the folder the dashboard reads shared results from."""
    from ..env import CACHE_DIR
    from ..lineup import parallel
    from ..lineup.live import LiveComparison
    from ..serving.shared import SharedResults
    from ..serving.store import save_result
    parallel.one_torch_thread()
    folder = _writable(args.folder, "--folder", folder=True) or CACHE_DIR
    shared = SharedResults(folder=folder)
    presets, start = [], time.perf_counter()
    for name in dict.fromkeys(args.presets) or PRESETS:
        data_cfg, lineup = PRESETS[name]
        live = LiveComparison(data_cfg, lineup, shared=shared, owner="warm").start()
        if not args.quiet:
            print(f"{name}: {live.to_train} of {len(lineup)} models to train", file=sys.stderr)
        while not live.done:
            live.advance_for(1.0)
        live.store()
        for key, result in zip(live.keys, live.results()):
            save_result(folder, key, result)
        presets.append({"preset": name, "models": [r.summary() for r in live.results()]})
    payload = {"folder": str(folder), "presets": presets, "seconds": round(time.perf_counter() - start, 2)}
    _emit(payload, args.json, [f"{p['preset']}: " + ", ".join(f"{m['name']} {_fmt(m['test_accuracy'], '.3f')}"
                                                              for m in p["models"]) for p in presets]
          + [f"saved in {folder}"])
    return 0


def cmd_gradcheck(args) -> int:
    from ..teaching.gradcheck import gradcheck
    rows = gradcheck()
    payload = {"rows": [r.to_dict() for r in rows],
               "max_vs_numerical": max(r.vs_numerical for r in rows),
               "max_vs_autograd": max(r.vs_autograd for r in rows)}
    table = [f"{'activation':<10} {'output':<8} {'vs numerical':>13} {'vs autograd':>12}"]
    table += [f"{r.activation:<10} {r.output:<8} {r.vs_numerical:>13.2e} {r.vs_autograd:>12.2e}" for r in rows]
    _emit(payload, args.json, table)
    return 0


def cmd_bench(args) -> int:
    from ..bench import run_benchmarks
    payload = run_benchmarks(quick=args.quick, progress=not args.quiet)
    table = [f"{'name':<28} {'ours':>12} {'peer':>12} {'ratio':>7}  unit"]
    table += [f"{b['name']:<28} {_fmt(b['ours'], '12.4g')} {_fmt(b['peer'], '12.4g')} "
              f"{_fmt(b['ratio'], '7.2f')}  {b['unit']}" for b in payload["benchmarks"]]
    table += [f"{k}: {v}" for k, v in payload.get("extra", {}).items()]
    table.append(f"machine: {payload['machine']}")
    _emit(payload, args.json, table)
    return 0


def fail(prog: str, exc: Exception) -> int:
    """A command's refusal: one line on stderr, exit status 2."""
    print(f"{prog}: error: {' '.join(str(exc).split())}", file=sys.stderr)
    return 2
