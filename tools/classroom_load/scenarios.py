"""The scenarios: what a class does to the server (one lineup for all, a lineup each, one far over the
budget, two at the budget beside a third student, tabs closed while training). Each returns its report
(report.py) with its own verdicts beside the timings."""
from __future__ import annotations

import asyncio
import json
import os
import re
import time
from collections import Counter
from urllib.parse import quote, urlparse

from tools.classroom_load.class_scenarios import class_answers, two_classes
from tools.classroom_load.client import BUDGET_TEXT, Student
from tools.classroom_load.report import report, round3
from tools.classroom_load.server import pid_listening_on, until_idle

HUGE = [{"name": "Huge", "framework": "torch",
         "config": {"hidden": [512] * 8, "batch_size": 2, "epochs": 20000}}]


def lineup_query(lineup: list[dict], **data) -> str:
    parts = [f"{k}={v}" for k, v in data.items()]
    return "&".join(parts + [f"models={quote(json.dumps(lineup, separators=(',', ':')))}"])


def student_lineup(i: int, width: int = 2) -> tuple[str, list[dict]]:
    """Student i's own lineup: a scratch net with its own seed (a training of its own) and the default
    PyTorch net under the student's name (the same training as everyone's: shared, renamed)."""
    tag = f"Kid{i:0{width}d}"
    return tag, [{"name": f"{tag} scratch", "framework": "numpy", "config": {"seed": 1000 + i}},
                 {"name": f"{tag} torch", "framework": "torch", "config": {}}]


def light_lineup(i: int) -> tuple[str, list[dict]]:
    """A small lineup of one's own (one scratch net, its own seed): well inside any budget."""
    tag = f"Light{i % 10**4}"
    return tag, [{"name": f"{tag} scratch", "framework": "numpy", "config": {"seed": 5000 + i}}]


async def open_all(students: list[Student], timeout: float) -> None:
    await asyncio.gather(*(s.open(timeout) for s in students))


async def close_all(students: list[Student]) -> None:
    await asyncio.gather(*(s.close() for s in students), return_exceptions=True)


async def press_train_together(students: list, timeout: float) -> None:
    """Every student opens the page, then all press Train at once and wait for their results."""
    try:
        await open_all(students, timeout)
        await asyncio.gather(*(s.click() for s in students))
        await asyncio.gather(*(s.results(timeout) for s in students))
    finally:
        await close_all(students)


async def same_lineup(url: str, n: int, timeout: float = 180.0, query: str = "") -> dict:
    """a. n students open the moons page with one lineup and press Train at once."""
    students = [Student(url, "moons", query, f"s{i}") for i in range(n)]
    await press_train_together(students, timeout)
    rows = [s.sharing() for s in students]
    trained = Counter(name for r in rows for name in r["trained"] or [])
    return report("same-lineup", students, sessions_training=sum(bool(r["trained"]) for r in rows),
                  sessions_shared=sum(bool(r["shared"]) for r in rows),
                  sharing_reported=sum(r["trained"] is not None or r["shared"] is not None for r in rows),
                  trainings_per_model=dict(trained), model_trainings=sum(trained.values()))


async def different_lineups(url: str, n: int, timeout: float = 240.0) -> dict:
    """b. n students, each with a lineup of their own; each must see only their own names."""
    width = len(str(max(n - 1, 1)))
    tags, students = [], []
    for i in range(n):
        tag, lineup = student_lineup(i, width)
        tags.append(tag)
        students.append(Student(url, "moons", lineup_query(lineup), tag))
    await press_train_together(students, timeout)
    leaks, missing = {}, []
    for tag, s in zip(tags, students):
        text = "\n".join(s.texts)
        if f"{tag} scratch" not in text:
            missing.append(tag)
        others = [t for t in tags if t != tag and t in text]
        if others:
            leaks[tag] = others
    return report("different-lineups", students, own_names_missing=missing, sees_others=leaks)


async def over_budget(url: str, timeout: float = 30.0) -> dict:
    """c. A lineup far over the budget must be refused, with the message, within 1 s of the click."""
    s = Student(url, "moons", lineup_query(HUGE, samples=20000), "huge")
    try:
        await s.open(timeout)
        await s.click()
        await s.wait_for(lambda: s.budget_refusal() is not None or s.first_frame_s is not None
                         or (s.runs_finished > s.clicked_run and not s.running), timeout)
        await s.wait_for(lambda: s.runs_finished > s.clicked_run and not s.running, 5)
    finally:
        await s.close()
    return report("over-budget", [s], refused_s=round3(s.budget_refusal()), trained_anyway=s.first_frame_s is not None)


def budget_seconds() -> float:
    try:
        return float(os.environ.get("NNCORE_BUDGET_SECONDS") or 30.0)
    except ValueError:
        return 30.0


AT_MOST = re.compile(r"\((\d+) → at most (\d+)\)")     # the refusal's "lower the epochs of X (E → at most N)"


def heavy_lineup(name: str, seed: int, epochs: int) -> list[dict]:
    return [{"name": name, "framework": "torch", "config": {"epochs": epochs, "seed": seed}}]


def estimated_epochs(budget: float, share: float = 0.85) -> int:
    """Epochs of the default PyTorch net whose estimate (this process's host probe) is ``share`` of
    ``budget``: a fallback when the server's refusal does not say how many epochs would fit."""
    from nncore.data.toy import DataConfig
    from nncore.lineup.live import LiveComparison
    from nncore.models.registry import ModelSpec

    def estimate(epochs: int) -> float:
        spec = ModelSpec.from_dict({"name": "x", "framework": "torch", "config": {"epochs": epochs}})
        return LiveComparison(DataConfig(), [spec]).estimate().seconds

    epochs = 1000
    for _ in range(4):                            # the estimate is near linear in epochs: a few refinements
        epochs = max(1, min(20000, int(epochs * share * budget / estimate(epochs))))
    return epochs


async def start_heavy(url: str, name: str, seed: int, budget: float, share: float, tries: int = 3) -> Student:
    """A student training one PyTorch net at ``share`` of the server's budget, already clicked.
    The server's own estimate decides (its host probe differs from this process's), so the first
    request asks for 20,000 epochs: its refusal says how many would fit ("at most N")."""
    epochs = 20000
    for attempt in range(tries):
        student = Student(url, "moons", lineup_query(heavy_lineup(name, seed, epochs)), name)
        await student.open(120)
        await student.click()
        await student.wait_for(lambda s=student: s.first_frame_s is not None or s.budget_refusal() is not None, 60)
        refusal = next((body for t, body in student.errors if t is not None and BUDGET_TEXT in body.lower()), None)
        if refusal is None or attempt == tries - 1:
            return student
        await student.close()
        match = AT_MOST.search(refusal.replace("*", ""))
        epochs = max(1, int(int(match.group(2)) * share)) if match else estimated_epochs(budget, share * 0.8 ** attempt)
    raise AssertionError("unreachable")


def _salt() -> int:
    return int(time.time() * 1000) % 10**9        # seeds nobody trained before on a reused server


async def at_budget(url: str, budget: float | None = None, timeout: float | None = None) -> dict:
    """d. Two students train at the budget; a third's default lineup must be served within budget + 15 s."""
    budget = budget or budget_seconds()
    salt = _salt()
    third = Student(url, "moons", lineup_query(light_lineup(salt)[1]), "third")
    heavy: list[Student] = []
    students = [third]
    timeout = timeout or 3 * budget + 60
    try:
        await third.open(120)
        heavy = list(await asyncio.gather(*(start_heavy(url, f"Heavy{i}", salt + 10 * i, budget, 0.95)
                                            for i in range(2))))
        students = [*heavy, third]
        both_training = all(s.first_frame_s is not None for s in heavy)
        await third.click()
        await asyncio.gather(*(s.results(timeout) for s in students))
    finally:
        await close_all(students)
    limit = budget + 15
    return report("at-budget", students, budget_s=budget, limit_s=limit, both_heavy_training=both_training,
                  third_final_s=round3(third.final_s),
                  third_in_time=third.final_s is not None and third.final_s <= limit,
                  queue_texts=[t for t in third.texts if "ahead of you" in t or "Waiting" in t][:5])


async def closed_tab(url: str, trainers: int | None = None, budget: float | None = None,
                     pid: int | None = None) -> dict:
    """e. Every trainer slot busy with a long training, one more student queued for a turn; then every
    training tab closes. Their trainings must stop (the server's CPU falls idle) within 2 s, and a
    student who presses Train next gets a live frame promptly."""
    budget = budget or budget_seconds()
    trainers = trainers or int(os.environ.get("NNCORE_MAX_TRAINERS") or 2)
    pid = pid or pid_listening_on(urlparse(url).port or 80)
    salt = _salt()
    nxt = Student(url, "moons", lineup_query(light_lineup(salt + 1)[1]), "next")
    holders: list[Student] = []
    students = [nxt]
    stopped_s = None
    try:
        await nxt.open(120)
        holders = list(await asyncio.gather(*(start_heavy(url, f"Long{i}", salt + 10 * i, budget, 0.9)
                                              for i in range(trainers + 1))))
        students = [*holders, nxt]
        all_training = all(s.first_frame_s is not None for s in holders)
        await asyncio.sleep(1.0)                  # every slot taken, one student queued for a turn
        queued = any("ahead of you" in t for s in holders for t in s.texts)
        t_close = time.perf_counter()
        await asyncio.gather(*(s.close() for s in holders))
        stopped_s = await until_idle(pid, t_close, 2 * budget + 30)
        await nxt.click()
        await nxt.results(2 * budget + 30)
    finally:
        await close_all(students)
    return report("closed-tab", students, trainers=trainers, all_slots_busy=all_training, queue_seen=queued,
                  server_pid=pid, trainings_stopped_s=round3(stopped_s),
                  stopped_in_time=stopped_s is not None and stopped_s <= 2.0,
                  next_first_frame_s=round3(nxt.first_frame_s),
                  next_in_time=nxt.first_frame_s is not None and nxt.first_frame_s <= 2.0)


SCENARIOS = {"same": "same-lineup", "different": "different-lineups", "over-budget": "over-budget",
             "at-budget": "at-budget", "closed-tab": "closed-tab", "class-answers": "class-answers",
             "two-classes": "two-classes"}


async def run_scenario(name: str, url: str, students: int, pid: int | None = None) -> dict:
    if name == "same":
        return await same_lineup(url, students)
    if name == "different":
        return await different_lineups(url, students)
    if name == "over-budget":
        return await over_budget(url)
    if name == "at-budget":
        return await at_budget(url)
    if name == "class-answers":
        return await class_answers(url, students)
    if name == "two-classes":
        return await two_classes(url, students)
    return await closed_tab(url, pid=pid)

