"""Streamlit side of `python -m nncore bench`: median AppTest rerun times of a blank page and of the
moons page with three trained models (the live page's final state: boundary pictures, curves and
leaderboard), and this process's peak memory. Prints one JSON line.

Usage: python tools/rerun_probe.py DASHBOARD_PATH N_RERUNS
"""
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest


def median_rerun(at: AppTest, n: int) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
        assert not at.exception, at.exception
    return statistics.median(times)


def main(dashboard: str, n: int) -> None:
    blank = Path(tempfile.mkdtemp()) / "blank.py"
    blank.write_text("import streamlit as st\nst.title('blank')\n")
    blank_s = median_rerun(AppTest.from_file(str(blank), default_timeout=120).run(), n)
    at = AppTest.from_file(dashboard, default_timeout=300).run()
    at.switch_page("app_pages/moons.py").run()
    next(b for b in at.button if b.label.startswith("Train")).click().run()
    # the finished lineup: boundary pictures, the curves chart and the sortable leaderboard
    assert at.get("plotly_chart") and at.dataframe and not at.exception, "the moons page did not show results"
    moons_s = median_rerun(at, n)
    at.switch_page("app_pages/mnist.py").run()          # the image data too, for the peak memory
    print(json.dumps({"blank": blank_s, "moons": moons_s,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
