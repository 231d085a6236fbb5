"""The compute budget: a training that would cost more than the server allows is refused before it
starts, with its estimate and what to lower. The estimates themselves are each family's
(``models.base.Family.estimate``) and the CNN's (``engine.cnn.estimate_cnn``)."""
from __future__ import annotations

from ..core.cost import Estimate
from ..core.settings import settings_of


def over_budget(items: list[tuple[str, object, Estimate | None]], budget_seconds: float,
                repeats: int = 1) -> str | None:
    """None when the (name, spec, estimate) items fit in the budget; else a message that gives the
    estimate and names the setting to lower. Items whose estimate is None cost nothing (shared).
    With repeats over seeds, an item is a model's ``repeats`` runs together."""
    costs = [(name, spec, e) for name, spec, e in items if e is not None]
    total = sum(e.seconds for _, _, e in costs)
    if total <= budget_seconds:
        return None
    name, spec, worst = max(costs, key=lambda item: item[2].seconds)
    room = max(budget_seconds - (total - worst.seconds), 0.0)
    family, tips = spec.family, []
    if family.stages:                                      # fewer epochs, trees or rounds
        planned = spec.planned
        at_most = max(1, int(planned * room / worst.seconds)) if room > 0 else 1
        label = _stages_label(family)
        tips.append(f"lower the {label} of “{name}” ({planned} → at most {at_most})")
    if repeats > 1:
        tips.insert(0, f"repeat over fewer seeds ({repeats} → at most {max(1, int(repeats * budget_seconds / total))})")
    tips += family.tips(spec.config)
    tips.append("or use fewer samples")
    return (f"This training would take about {total:.0f} s of this server's time; the limit is "
            f"{budget_seconds:.0f} s per training, so every student gets a turn. The biggest cost is "
            f"“{name}” (about {worst.seconds:.0f} s): {', '.join(tips)}.")


def _stages_label(family) -> str:
    """How the page names the setting that counts a family's stages ("epochs", "trees", ...), lower case."""
    return settings_of(family.config)[family.stages].label.lower()


def over_budget_cnn(estimate: Estimate, config, budget_seconds: float) -> str | None:
    """None when a CNN training fits the budget; else a message with the estimate and what to lower."""
    if estimate.seconds <= budget_seconds:
        return None
    epochs = max(1, int(config.epochs * budget_seconds / estimate.seconds))
    fewer = f"lower the epochs ({config.epochs} → at most {epochs})" if epochs < config.epochs else \
        "train on fewer images (Training images, under the advanced settings)"
    return (f"This training would take about {estimate.seconds:.0f} s of this server's time; the limit is "
            f"{budget_seconds:.0f} s per training, so every student gets a turn: {fewer}, or load a model "
            "prepared before class.")
