"""A classroom load test: simulated students, each one websocket speaking Streamlit's own protocol,
against a real ``streamlit run dashboard.py``.

- ``tab``: a browser tab (``Tab``) speaking Streamlit's websocket protocol: widgets, fragments, their timers.
- ``client``: the simulated student (``Student``): opens the page, presses Train, records what it saw.
- ``classes``: a live class's tabs: the teacher (``Teacher``: the code, the projector) and a student (``Pupil``).
- ``server``: the server it starts and stops (``Server``) and what /proc says about it.
- ``scenarios``: what a class does (same lineup, different lineups, over budget, at budget, closed tabs);
  ``class_scenarios``: a live class answering (one class of 30, two classes of 15 at once).
- ``report``: one scenario's JSON-ready report.
- ``__main__``: the command line, ``python -m tools.classroom_load --help``.
"""
from tools.classroom_load.class_scenarios import class_answers, two_classes
from tools.classroom_load.classes import Pupil, Teacher
from tools.classroom_load.client import Student
from tools.classroom_load.scenarios import (
    SCENARIOS,
    at_budget,
    closed_tab,
    different_lineups,
    over_budget,
    run_scenario,
    same_lineup,
)
from tools.classroom_load.server import Server

__all__ = ["SCENARIOS", "Pupil", "Server", "Student", "Teacher", "at_budget", "class_answers", "closed_tab",
           "different_lineups", "over_budget", "run_scenario", "same_lineup", "two_classes"]
