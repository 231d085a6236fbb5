"""A classroom load test: simulated students, each one websocket speaking Streamlit's own protocol,
against a real ``streamlit run dashboard.py``.

- ``client``: the simulated student (``Student``): opens the page, presses Train, records what it saw.
- ``server``: the server it starts and stops (``Server``) and what /proc says about it.
- ``scenarios``: what a class does (same lineup, different lineups, over budget, at budget, closed tabs).
- ``report``: one scenario's JSON-ready report.
- ``__main__``: the command line, ``python -m tools.classroom_load --help``.
"""
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

__all__ = ["SCENARIOS", "Server", "Student", "at_budget", "closed_tab", "different_lineups", "over_budget",
           "run_scenario", "same_lineup"]
