"""What a live class does to the server (issue 25, "the class answers back"):

- ``class_answers``: one teacher, n students join and all answer the step's question at once (a spread of
  options); every answer must be counted once, on the projector too, each count within 2 s; then one student
  floods the same answer, then changing answers: it still counts once.
- ``two_classes``: two teachers, two classes of n/2 answering at once with different spreads: each projector
  and each student's confirmation shows its own class only.
"""
from __future__ import annotations

import asyncio
import re
import time

from tools.classroom_load.classes import Pupil, Teacher
from tools.classroom_load.report import class_report, round3, stats

LIMIT_S = 2.0          # the "every count on the projector within 2 s"
JOINED = re.compile(r"^(\d+) students? joined\.$")
SETTLE_S = 2.5         # more than two of the projector's polls (1 s): a late double count would show


def spread_a(i: int, k: int) -> int:
    """Class A's answers: round the options (for 15 students and 3 options: 5, 5, 5)."""
    return i % k


def spread_b(i: int, k: int, size: int) -> int:
    """Class B's answers, unlike A's: half on the first option, the rest round (15 students: 9, 3, 3)."""
    return 0 if i < size // 2 else i % k


def most_joined(teacher: Teacher) -> int:
    """The most students the teacher's page ever said had joined ("N students joined.")."""
    return max((int(m.group(1)) for t in teacher.texts if (m := JOINED.match(t))), default=0)


def tally(sent: list[int], k: int) -> tuple[int, ...]:
    return tuple(sent.count(j) for j in range(k))


async def _close(tabs) -> None:
    await asyncio.gather(*(t.close() for t in tabs), return_exceptions=True)


async def _answer_all(pupils: list[Pupil], sent: list[int]) -> float:
    """Every pupil picks its option at once; returns when the last answer was sent."""
    times = await asyncio.gather(*(p.answer(o) for p, o in zip(pupils, sent)))
    return max((t for t in times if t is not None), default=time.perf_counter())


async def class_answers(url: str, n: int = 30, timeout: float = 120.0, flood: int = 20,
                        limit: float = LIMIT_S) -> dict:
    """a. One class of n: all answer at once; all counted once, on the projector within ``limit``; a flood
    from one student counts once."""
    teacher, pupils, extra = Teacher(url), [], {}
    try:
        code = await teacher.start(timeout)
        if code is None:
            return class_report("class-answers", [teacher], [], code=None)
        pupils = [Pupil(url, code, f"s{i:02d}") for i in range(n)]
        await asyncio.gather(*(p.join(timeout) for p in pupils))
        k = max((p.options() for p in pupils), default=0) or 3
        sent = [spread_a(i, k) for i in range(n)]
        expected = tally(sent, k)
        t_last = await _answer_all(pupils, sent)
        await asyncio.gather(*(p.confirmation(timeout) for p in pupils))
        await teacher.wait_for(lambda: teacher.first_showing(n, expected, t_last) is not None, timeout)
        projector_s = teacher.first_showing(n, expected, t_last)
        shown = teacher.projector()
        most = teacher.most_answered(t_last)
        extra = {"code": code, "options": k, "counts_sent": expected, "counts_shown": shown and shown[1],
                 "answered_shown": shown and shown[0], "most_answered_seen": most,
                 "projector_s": round3(projector_s), "joined_seen": f"{n} students joined." in teacher.texts,
                 "most_joined_seen": most_joined(teacher)}
        extra.update(await _flood(teacher, pupils[0], sent, k, flood, timeout))
    finally:
        await _close([teacher, *pupils])
    answers = [p.answer_s for p in pupils]
    in_time = [s for s in answers if s is not None and s <= limit]
    extra.update(
        limit_s=limit, teacher_polls=teacher.fragment_runs,
        all_confirmed=all(s is not None for s in answers),
        all_counted=extra.get("answered_shown") == n,
        none_lost_or_doubled=extra.get("counts_shown") == extra.get("counts_sent") and extra.get(
            "most_answered_seen", n + 1) <= n,
        answers_in_time=len(in_time),
        within_limit=len(in_time) == n and extra.get("projector_s") is not None and extra["projector_s"] <= limit)
    return class_report("class-answers", [teacher], pupils, **extra)


async def _flood(teacher: Teacher, pupil: Pupil, sent: list[int], k: int, times: int, timeout: float) -> dict:
    """One student sends its answer ``times`` times as fast as it can, then ``times`` changing answers."""
    n, mine = len(sent), sent[0]
    t0 = time.perf_counter()
    for _ in range(times):
        await pupil.choose(mine)
    await asyncio.sleep(SETTLE_S)
    after_same = teacher.projector()
    changes = [(mine + 1 + j) % k for j in range(times)]
    if changes[-1] == mine:
        changes.append((mine + 1) % k)
    for option in changes:
        await pupil.choose(option)
    t_end = time.perf_counter()
    expected = tally([changes[-1], *sent[1:]], k)
    await teacher.wait_for(lambda: teacher.first_showing(n, expected, t_end) is not None, timeout)
    shown_s = teacher.first_showing(n, expected, t_end)
    await asyncio.sleep(SETTLE_S)
    settled = teacher.projector()
    most = teacher.most_answered(t0)
    return {"flood_messages": times + len(changes), "flood_same_shown": after_same,
            "flood_counts_sent": expected, "flood_counts_shown": settled, "flood_projector_s": round3(shown_s),
            "flood_most_answered_seen": most,
            "flood_counted_once": after_same == (n, tally(sent, k)) and settled == (n, expected) and most <= n}


async def two_classes(url: str, n: int = 30, timeout: float = 120.0, limit: float = LIMIT_S) -> dict:
    """b. Two classes of n/2 at once, answering with different spreads: each projector shows its own class's
    count and spread only, and each student's confirmation its own class's size."""
    sizes = [n // 2, n - n // 2]
    teachers, pupils = [Teacher(url, label="teacher-A"), Teacher(url, label="teacher-B")], []
    classes: list[dict] = []
    try:
        codes = await asyncio.gather(*(t.start(timeout) for t in teachers))
        if None in codes:
            return class_report("two-classes", teachers, [], codes=codes, never_mix=False)
        groups = [[Pupil(url, code, f"{'AB'[c]}{i:02d}") for i in range(size)]
                  for c, (code, size) in enumerate(zip(codes, sizes))]
        pupils = [p for g in groups for p in g]
        await asyncio.gather(*(p.join(timeout) for p in pupils))
        k = max((p.options() for p in pupils), default=0) or 3
        sent = [[spread_a(i, k) for i in range(sizes[0])], [spread_b(i, k, sizes[1]) for i in range(sizes[1])]]
        t_last = await _answer_all(pupils, [*sent[0], *sent[1]])
        await asyncio.gather(*(p.confirmation(timeout) for p in pupils))
        for teacher, size, own in zip(teachers, sizes, sent):
            await teacher.wait_for(lambda t=teacher, s=size, o=own: t.first_showing(s, tally(o, k), t_last)
                                   is not None, timeout)
        await asyncio.sleep(SETTLE_S)
        for teacher, group, size, own in zip(teachers, groups, sizes, sent):
            shown, seen_s = teacher.projector(), teacher.first_showing(size, tally(own, k), t_last)
            sizes_seen = sorted({p.confirmed[1] for p in group if p.confirmed})
            classes.append({
                "code": teacher.code, "students": size, "counts_sent": tally(own, k),
                "counts_shown": shown and shown[1], "answered_shown": shown and shown[0],
                "most_answered_seen": teacher.most_answered(t_last), "projector_s": round3(seen_s),
                "class_sizes_students_saw": sizes_seen, "answer_s": stats(p.answer_s for p in group),
                "most_joined_seen": most_joined(teacher),
                "own_only": shown == (size, tally(own, k)) and teacher.most_answered(t_last) <= size
                and sizes_seen == [size] and most_joined(teacher) <= size})
    finally:
        await _close([*teachers, *pupils])
    answers = [p.answer_s for p in pupils]
    return class_report(
        "two-classes", teachers, pupils, classes=classes, limit_s=limit,
        spreads_differ=len({c["counts_sent"] for c in classes}) == len(classes),
        codes_differ=len({c["code"] for c in classes}) == len(classes),
        never_mix=len(classes) == 2 and all(c["own_only"] for c in classes),
        all_confirmed=all(s is not None for s in answers),
        within_limit=all(s is not None and s <= limit for s in answers)
        and all(c["projector_s"] is not None and c["projector_s"] <= limit for c in classes))
