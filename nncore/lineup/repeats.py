"""Repeats over seeds: one model trained K times, and what the K results say together.

A single run is one draw from a lottery (the seed's own scratch network scores anywhere from
about 40 % to 90 % depending on its seed). Repeat ``k`` of a model is the same config with a
seed derived from the model's own (repeat 0 keeps it), so K repeats are K ordinary runs through
the same engine, cache and budget, and anyone can retrain one from its listed seed.
"""
from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ..core.settings import SEED_MAX
from ..core.text import literal
from ..models.registry import ModelSpec

ALPHA = 0.05            # the significance level the plain-words note uses


def repeat_seeds(seed: int, repeats: int) -> list[int]:
    """The seeds of ``repeats`` runs: the model's own first, then seeds derived from it (the same
    seed always gives the same list, and a list for K is the start of the list for K + 1)."""
    if not 1 <= repeats:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    derived = np.random.SeedSequence(seed).generate_state(repeats, dtype=np.uint64) % (SEED_MAX + 1)
    return [int(seed)] + [int(s) for s in derived[1:]]


def expand(lineup: Sequence[ModelSpec], repeats: int) -> tuple[ModelSpec, ...]:
    """Every run of a lineup repeated ``repeats`` times: the lineup itself first (each model's own
    seed), then repeat 1 of every model, then repeat 2, ... (run ``k * len(lineup) + m`` is repeat
    ``k`` of model ``m``)."""
    seeds = [repeat_seeds(s.config.seed, repeats) for s in lineup]
    return tuple(s if k == 0 else ModelSpec(s.name, s.config.replace(seed=seeds[m][k]))
                 for k in range(repeats) for m, s in enumerate(lineup))


def grouped(items: Sequence, models: int) -> list[list]:
    """Per model, its runs' items in repeat order (the inverse of ``expand``'s order)."""
    return [list(items[m::models]) for m in range(models)]


@dataclass(frozen=True)
class Spread:
    """One model's test accuracies over its repeats, and what they say."""
    name: str
    framework: str
    seeds: tuple[int, ...]                  # every finished run's, in repeat order
    all_accuracies: tuple[float | None, ...]  # ... and its test accuracy (None: it diverged)
    stopped: int = 0                        # runs stopped early: left out (their accuracy is no result)

    @property
    def accuracies(self) -> tuple[float, ...]:
        """The test accuracies of the runs that finished (a diverged run has none)."""
        return tuple(a for a in self.all_accuracies if a is not None)

    @property
    def diverged(self) -> int:
        return len(self.all_accuracies) - len(self.accuracies)

    @property
    def runs(self) -> int:
        return len(self.accuracies)

    @property
    def mean(self) -> float | None:
        return float(np.mean(self.accuracies)) if self.accuracies else None

    @property
    def std(self) -> float | None:
        """The sample standard deviation (ddof 1); None with fewer than two runs."""
        return float(np.std(self.accuracies, ddof=1)) if self.runs >= 2 else None

    @property
    def constant(self) -> bool:
        """Every run scored the same (a zero spread; float rounding can leave a std of 1e-17)."""
        return self.runs >= 1 and max(self.accuracies) == min(self.accuracies)

    @property
    def ci95(self) -> tuple[float, float] | None:
        """A 95 % confidence interval for the mean accuracy (Student's t, K - 1 degrees of freedom)."""
        if self.runs < 2:
            return None
        if self.constant:
            return self.mean, self.mean
        lo, hi = stats.t.interval(0.95, self.runs - 1, loc=self.mean, scale=stats.sem(self.accuracies))
        return float(lo), float(hi)

    def summary(self) -> dict:
        """The command line's per-model repeat fields."""
        return {"test_accuracy_mean": self.mean, "test_accuracy_std": self.std,
                "test_accuracy_ci95": list(self.ci95) if self.ci95 else None,
                "test_accuracies": list(self.all_accuracies), "seeds": list(self.seeds),
                "diverged_runs": self.diverged, "stopped_runs": self.stopped}


def spread(results: Sequence) -> Spread:
    """The spread of one model's results (``ModelResult``s of its repeats, in repeat order); a run
    stopped early is counted, not measured."""
    spec, done = results[0].spec, [r for r in results if r.status != "stopped"]
    return Spread(spec.name, spec.framework, tuple(r.spec.config.seed for r in done),
                  tuple(r.test_accuracy for r in done), len(results) - len(done))


def spread_board(spreads: Sequence[Spread]) -> list[dict]:
    """The leaderboard over repeats: one row per model, best mean test accuracy first."""
    rows = []
    for s in spreads:
        lo, hi = s.ci95 or (None, None)
        rows.append({"model": s.name, "framework": s.framework, "mean test accuracy": s.mean,
                     "± std": s.std, "95% CI low": lo, "95% CI high": hi,
                     "lowest": min(s.accuracies, default=None), "highest": max(s.accuracies, default=None),
                     "runs": s.runs, "diverged": s.diverged})
    return sorted(rows, key=lambda r: -(r["mean test accuracy"] if r["mean test accuracy"] is not None else -1))


def significance(spreads: Sequence[Spread]) -> str | None:
    """In plain words: do the two best models (by mean accuracy) differ by more than luck? Welch's
    t-test (SciPy: unequal variances). None when there is nothing to compare."""
    ranked = sorted((s for s in spreads if s.runs >= 2), key=lambda s: -s.mean)
    if len(ranked) < 2:
        return None
    a, b = ranked[:2]
    gap, names = a.mean - b.mean, (literal(a.name), literal(b.name))
    a, b = (dataclasses.replace(s, name=n) for s, n in zip((a, b), names))
    if a.constant and b.constant:
        same = gap == 0
        return (f"{a.name} and {b.name} scored exactly the same in every run." if same else
                f"{a.name} beats {b.name} in every one of their runs, by {gap:.1%}, with no spread at all.")
    p = float(stats.ttest_ind(a.accuracies, b.accuracies, equal_var=False).pvalue)
    runs = f"{a.runs} and {b.runs} runs"
    if math.isfinite(p) and p < ALPHA:
        return (f"**{a.name} is really better than {b.name}**: {a.mean:.1%} against {b.mean:.1%} on average "
                f"over {runs}. A gap this large would come from the seeds' luck alone less than "
                f"{_odds(p)} (Welch's t-test, p = {p:.3g}).")
    return (f"**{a.name} and {b.name} do not differ significantly**: {a.mean:.1%} against {b.mean:.1%} on "
            f"average over {runs}, a gap the seeds' luck alone could make (Welch's t-test, p = {p:.2g}, "
            f"above {ALPHA}). Add repeats, or treat them as equal.")


def _odds(p: float) -> str:
    """'1 time in 20' style wording for a small probability."""
    return "1 time in 1,000" if p < 0.001 else f"1 time in {int(1 / p):,}"


def band(histories: Sequence, key: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per epoch, the mean and the standard deviation of ``key`` (e.g. "val_accuracy") over several
    histories; a run that ended early (diverged, stopped) counts only for the epochs it ran."""
    columns = [np.asarray(getattr(h, key), dtype=np.float64) for h in histories]
    length = max((len(c) for c in columns), default=0)
    grid = np.full((len(columns), length), np.nan)
    for i, c in enumerate(columns):
        grid[i, :len(c)] = c
    with warnings.catch_warnings():                     # (an epoch no run reached is all NaN)
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(grid, axis=0) if length else np.zeros(0)
        std = np.nanstd(grid, axis=0, ddof=1) if length else np.zeros(0)   # as the leaderboard's (ddof 1)
    return np.arange(1, length + 1), mean, np.nan_to_num(std)
