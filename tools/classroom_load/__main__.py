"""The command line: ``python -m tools.classroom_load --students 30 --scenario same`` (see ``--help``).
It starts a fresh ``streamlit run dashboard.py`` per scenario unless ``--url`` is given, and prints JSON:
one object for one scenario; for ``--scenario all`` one line per scenario on stderr, then the list."""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from urllib.parse import urlparse

from tools.classroom_load.scenarios import SCENARIOS, run_scenario
from tools.classroom_load.server import Server, pid_listening_on, rss_mb


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.classroom_load",
                                 description="Simulated students (moons page, live class) on Streamlit's websocket.")
    ap.add_argument("--students", type=int, default=30)
    group = ap.add_mutually_exclusive_group()
    group.add_argument("--same-lineup", dest="scenario", action="store_const", const="same")
    group.add_argument("--different-lineups", dest="scenario", action="store_const", const="different")
    group.add_argument("--scenario", choices=[*SCENARIOS, "all"])
    ap.add_argument("--url", help="a running server (nothing is started); else a fresh server per scenario")
    ap.add_argument("--pid", type=int, help="the server's pid for its memory (default: whoever listens on the port)")
    ap.add_argument("--per-student", action="store_true", help="keep every student's row in the output")
    args = ap.parse_args(argv)
    names = list(SCENARIOS) if args.scenario == "all" else [args.scenario or "same"]
    out = []
    for name in names:
        server = None if args.url else Server()
        url = args.url or server.url
        pid = args.pid or (server.pid if server else pid_listening_on(urlparse(url).port or 80))
        try:
            t = time.perf_counter()
            result = asyncio.run(run_scenario(name, url, args.students, pid))
            result["wall_s"] = round(time.perf_counter() - t, 1)
            result["server_rss_mb"] = rss_mb(pid)
            result["server_pid"] = pid
            if not args.per_student:
                result.pop("per_student")
            out.append(result)
            print(json.dumps(result), file=sys.stderr if len(names) > 1 else sys.stdout, flush=True)
        finally:
            if server is not None:
                server.stop()
    if len(names) > 1:
        print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
