"""The server under test: a fresh ``streamlit run dashboard.py`` on a free port, started and stopped, and
what the load test reads about it from /proc (its pid, memory, CPU time) and the host's load."""
from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]        # the checkout: dashboard.py and nncore/


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``streamlit run dashboard.py`` on a free port (headless), stopped by ``stop()``."""

    def __init__(self, env: dict | None = None, log: Path | None = None, start_timeout: float = 90.0):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log or ROOT / "test-artifacts" / f"classroom-server-{self.port}.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.headless", "true",
             "--server.port", str(self.port), "--server.address", "127.0.0.1"],
            cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
        deadline = time.time() + start_timeout
        while time.time() < deadline and self.proc.poll() is None:
            try:
                if urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2).status == 200:
                    return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"streamlit did not start (log: {self.log_path})")

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()


def rss_mb(pid: int | None) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except (OSError, TypeError):
        pass
    return None


def pid_listening_on(port: int) -> int | None:
    """The process that listens on a local TCP port (from /proc: its socket's inode)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            for line in Path(table).read_text().splitlines()[1:]:
                f = line.split()
                if f[3] == "0A" and int(f[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(f[9])
        except OSError:
            pass
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                link = os.readlink(fd)
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    return int(proc.name)
        except OSError:
            continue
    return None


def load() -> list[float]:
    """The host's load averages (1, 5, 15 minutes), as ``uptime`` prints them."""
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except (OSError, ValueError):
        return []


def cpu_seconds(pid: int | None) -> float | None:
    """A process's CPU time so far (all its threads), from /proc/<pid>/stat."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError, TypeError):
        return None


async def until_idle(pid: int | None, since: float, timeout: float, window: float = 0.5,
                     busy: float = 0.2) -> float | None:
    """Seconds from ``since`` until the process's CPU use falls below ``busy`` cores over ``window`` s."""
    samples: list[tuple[float, float]] = []
    end = time.perf_counter() + timeout
    while time.perf_counter() < end:
        cpu = cpu_seconds(pid)
        if cpu is None:
            return None
        now = time.perf_counter()
        samples.append((now, cpu))
        first = next((s for s in reversed(samples) if now - s[0] >= window), None)
        if first is not None and (cpu - first[1]) / (now - first[0]) < busy:
            return max(0.0, first[0] - since)
        await asyncio.sleep(0.1)
    return None
