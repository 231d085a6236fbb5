"""Streamlit side of `python -m nncore bench`: median AppTest rerun times of a blank page and of the
moons page with three trained models (the live page's final state: boundary pictures, curves and
leaderboard), and this process's peak memory. Prints one JSON line. Pages are compiled once, as a
server does (below).

Usage: python tools/rerun_probe.py DASHBOARD_PATH N_RERUNS
"""
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import streamlit.testing.v1.app_test as app_test
import streamlit.testing.v1.local_script_runner as local_script_runner
from streamlit.runtime.scriptrunner.script_cache import ScriptCache
from streamlit.testing.v1 import AppTest

# A server compiles each page once (its Runtime holds one ScriptCache); AppTest builds a new cache on every
# run, so each rerun would parse and compile the page again (~2 ms of the moons page's). One cache for the
# whole probe, as a server has, for both pages.
_SERVER_CACHE = ScriptCache()
app_test.ScriptCache = local_script_runner.ScriptCache = lambda: _SERVER_CACHE


def timed_rerun(at: AppTest) -> float:
    start = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - start
    assert not at.exception, at.exception
    return elapsed


def main(dashboard: str, n: int) -> None:
    blank_file = Path(tempfile.mkdtemp()) / "blank.py"
    blank_file.write_text("import streamlit as st\nst.title('blank')\n")
    blank = AppTest.from_file(str(blank_file), default_timeout=120).run()
    assert _SERVER_CACHE._cache, "AppTest no longer takes the probe's ScriptCache: the pages recompile every run"
    at = AppTest.from_file(dashboard, default_timeout=300).run()
    at.switch_page("app_pages/moons.py").run()
    next(b for b in at.button if b.label.startswith("Train")).click().run()
    # the finished lineup: boundary pictures, the curves chart and the sortable leaderboard
    assert at.get("plotly_chart") and at.dataframe and not at.exception, "the moons page did not show results"
    # The two pages take turns, so a busy spell on a shared machine lands on both alike (one page's n
    # reruns, then the other's, put the ratio at the mercy of whatever ran meanwhile).
    times = [(timed_rerun(blank), timed_rerun(at)) for _ in range(n)]
    blank_s, moons_s = (statistics.median(t) for t in zip(*times))
    at.switch_page("app_pages/mnist.py").run()          # the image data too, for the peak memory
    print(json.dumps({"blank": blank_s, "moons": moons_s,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
