"""A scenario's report: one JSON-ready dict with the spread of every timing, what the students saw
(exceptions, errors, failures), the host's load, the scenario's own verdicts and a row per student."""
from __future__ import annotations

import statistics

from tools.classroom_load.client import Student
from tools.classroom_load.server import load


def summary(s: Student) -> dict:
    """One student's row of the report."""
    return {"label": s.label, "opened_s": round3(s.opened_s), "first_frame_s": round3(s.first_frame_s),
            "final_s": round3(s.final_s), "frames": s.frames, **s.sharing(),
            "exceptions": s.exceptions, "errors": [body for _, body in s.errors],
            "ref_hashes": s.ref_hashes, "failure": s.failure}


def round3(x: float | None) -> float | None:
    """Seconds to the millisecond (None stays None)."""
    return None if x is None else round(x, 3)


def stats(values) -> dict:
    v = [x for x in values if x is not None]
    if not v:
        return {"n": 0}
    return {"n": len(v), "min": round(min(v), 2), "median": round(statistics.median(v), 2), "max": round(max(v), 2)}


def _seen(rows: list[dict], *keys: str) -> dict:
    """What the tabs saw go wrong, each text once: exceptions (and ``keys``), and failures by tab."""
    return {**{k: sorted({e for r in rows for e in r[k]}) for k in ("exceptions", *keys)},
            "failures": sorted({f"{r['label']}: {r['failure']}" for r in rows if r["failure"]})}


def report(name: str, students: list[Student], **extra) -> dict:
    rows = [summary(s) for s in students]
    return {"scenario": name, "students": len(students), "loadavg": load(),
            "opened_s": stats(r["opened_s"] for r in rows),
            "first_frame_s": stats(r["first_frame_s"] for r in rows),
            "final_s": stats(r["final_s"] for r in rows),
            "frames": stats(r["frames"] for r in rows),
            "with_results": sum(r["final_s"] is not None for r in rows),
            **_seen(rows, "errors"), **extra, "per_student": rows}


def class_report(name: str, teachers: list, pupils: list, **extra) -> dict:
    """A live class's report: join and answer timings (the answer: from sent to "answer is in"), what the
    tabs saw go wrong, the scenario's verdicts, and a row per tab."""
    rows = [{"label": t.label, "opened_s": round3(t.opened_s), "answer_s": round3(getattr(t, "answer_s", None)),
             "confirmed": getattr(t, "confirmed", None), "fragment_runs": t.fragment_runs,
             "exceptions": t.exceptions, "failure": t.failure} for t in [*teachers, *pupils]]
    return {"scenario": name, "students": len(pupils), "teachers": len(teachers), "loadavg": load(),
            "opened_s": stats(r["opened_s"] for r in rows[len(teachers):]),
            "answer_s": stats(r["answer_s"] for r in rows), **_seen(rows), **extra, "per_student": rows}
