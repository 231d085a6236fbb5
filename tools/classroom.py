"""A classroom of simulated students, each speaking Streamlit's own websocket protocol.

One websocket per student, doing what a student's browser does (Streamlit 1.67's frontend):

1. ``GET /`` (the page itself): the server sets the ``_streamlit_xsrf`` cookie.
2. Open ``ws://HOST/_stcore/stream`` with the subprotocols ``["streamlit", <xsrf cookie or
   "PLACEHOLDER_AUTH_TOKEN">]`` (a third entry would resume an earlier session id), sending the
   cookie and an ``Origin`` of the same host.
3. Send ``BackMsg(rerun_script=ClientState(...))``: for the first run ``page_script_hash=""`` and
   ``page_name="moons"`` (the URL path under the base URL), ``query_string`` without the "?",
   no widget states, a ``ContextInfo`` (timezone, locale, url...).
4. Read ``ForwardMsg``s: ``new_session``, ``navigation`` (with ``st.navigation`` it carries the
   page's script hash, which later reruns send, with an empty page name: ``new_session`` carries the
   main script's), ``delta`` (an element or block at ``metadata.delta_path``),
   ``page_info_changed`` (the server rewrote the query string), ``script_finished``.
5. A click is a rerun whose ``WidgetStates`` hold ``trigger_value=True`` under the button's id.
   A form submit button is the same. (The browser also resends every other widget's value; the
   server keeps those from the previous run when they are absent, so this client sends only the
   trigger.)

Run ``python tools/classroom.py --students 30 --scenario same`` (see ``--help``): it starts a fresh
``streamlit run dashboard.py`` per scenario unless ``--url`` is given, and prints JSON.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import quote, urlparse

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState, ContextInfo
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:                      # run as a script: nncore from this checkout
    sys.path.insert(0, str(ROOT))
TRAINED = "Trained in this session:"
SHARED = "Shared from the class's results:"
BUDGET_TEXT = "compute budget"
HUGE = [{"name": "Huge", "framework": "torch",
         "config": {"hidden": [512] * 8, "batch_size": 2, "epochs": 20000}}]


# --- one student -------------------------------------------------------------------------------------

class Student:
    """One browser tab: a websocket, the element tree it shows, and what it saw after its click."""

    def __init__(self, url: str, page: str = "moons", query: str = "", label: str = ""):
        self.url, self.page, self.query, self.label = url.rstrip("/"), page, query.lstrip("?"), label
        self.ws = None
        self.reader: asyncio.Task | None = None
        self.changed = asyncio.Event()
        self.elements: dict[tuple, object] = {}    # delta path -> Element (None for a block)
        self.touched: set[tuple] = set()          # paths written in the current run
        self.page_hash = ""
        self.runs_started = self.runs_finished = 0
        self.running = False
        self.texts: list[str] = []                 # every text seen, in order, each once
        self._seen: set[str] = set()
        self.exceptions: list[str] = []
        self.errors: list[tuple[float | None, str]] = []   # (seconds after the click, text)
        self.ref_hashes = 0
        self.closed = False
        self.t_open = self.t_click = None
        self.opened_s = self.first_frame_s = self.final_s = None
        self.frames = 0                            # image elements received after the click
        self.clicked_run = 0
        self.failure: str | None = None

    # --- connection ---

    async def open(self, timeout: float = 120.0) -> None:
        self.t_open = time.perf_counter()
        host = urlparse(self.url).netloc
        cookie = await asyncio.to_thread(_xsrf_cookie, self.url)
        headers = {"Origin": f"http://{host}"}
        if cookie:
            headers["Cookie"] = f"_streamlit_xsrf={cookie}"
        ws_url = self.url.replace("http://", "ws://", 1) + "/_stcore/stream"
        self.ws = await connect(ws_url, subprotocols=["streamlit", cookie or "PLACEHOLDER_AUTH_TOKEN"],
                                additional_headers=headers, max_size=None, open_timeout=timeout,
                                ping_interval=None)
        self.reader = asyncio.create_task(self._read())
        await self._send_rerun(WidgetStates(), page_name=self.page)
        await self.wait_for(lambda: self.runs_finished >= 1 and not self.running, timeout)
        self.opened_s = time.perf_counter() - self.t_open

    async def close(self) -> None:
        """The tab is closed: the websocket goes away (the server sees a disconnect)."""
        self.closed = True
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            self.reader.cancel()
            await asyncio.gather(self.reader, return_exceptions=True)

    async def _send_rerun(self, widgets: WidgetStates, page_name: str = "") -> None:
        state = ClientState(
            query_string=self.query, widget_states=widgets,
            page_script_hash="" if page_name else self.page_hash, page_name=page_name,
            context_info=ContextInfo(timezone="UTC", timezone_offset=0, locale="en-US",
                                     url=f"{self.url}/{self.page}" + (f"?{self.query}" if self.query else ""),
                                     is_embedded=False, color_scheme="light"))
        await self.ws.send(BackMsg(rerun_script=state).SerializeToString())

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                self._handle(ForwardMsg.FromString(raw), time.perf_counter())
                self.changed.set()
        except ConnectionClosed:
            pass
        finally:
            self.closed = True
            self.changed.set()

    # --- what the server sends ---

    def _handle(self, msg: ForwardMsg, now: float) -> None:
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self.page_hash = msg.new_session.page_script_hash or self.page_hash
            self.touched = set()
            self.running = True
            self.runs_started += 1
        elif kind == "navigation":                 # st.navigation: the page this run shows
            self.page_hash = msg.navigation.page_script_hash or self.page_hash
        elif kind == "page_info_changed":
            self.query = msg.page_info_changed.query_string
        elif kind == "delta":
            path = tuple(msg.metadata.delta_path)
            self.touched.add(path)
            if msg.delta.WhichOneof("type") == "new_element":
                self._element(msg.delta.new_element, path, now)
            elif msg.delta.WhichOneof("type") == "add_block":
                self.elements[path] = None
        elif kind == "script_finished":
            self.running = False
            self.runs_finished += 1
            if msg.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:     # stale elements go
                self.elements = {p: e for p, e in self.elements.items() if p in self.touched}
        elif kind == "ref_hash":
            self.ref_hashes += 1
        elif kind == "page_not_found":
            self._text(f"page not found: {msg.page_not_found.page_name}")

    def _element(self, el, path: tuple, now: float) -> None:
        self.elements[path] = el
        etype = el.WhichOneof("type")
        after = None if self.t_click is None else now - self.t_click
        if etype == "exception":
            self.exceptions.append(f"{el.exception.type}: {el.exception.message}")
        elif etype == "imgs" and after is not None:
            self.frames += 1
            if self.first_frame_s is None:
                self.first_frame_s = after
            for img in el.imgs.imgs:
                self._text(img.caption)
        elif etype == "dataframe" and after is not None and self.final_s is None:
            self.final_s = after
        elif etype == "alert" and el.alert.format == 1:                    # Alert.ERROR
            self.errors.append((after, el.alert.body))
        text = {"markdown": lambda: el.markdown.body, "alert": lambda: el.alert.body,
                "heading": lambda: el.heading.body, "progress": lambda: el.progress.text,
                "spinner": lambda: el.spinner.text, "text": lambda: el.text.body,
                "exception": lambda: el.exception.message}.get(etype)
        if text is not None:
            self._text(text())

    def _text(self, text: str) -> None:
        if text and text not in self._seen:
            self._seen.add(text)
            self.texts.append(text)

    # --- what a student does ---

    async def wait_for(self, predicate, timeout: float) -> bool:
        """Wait until ``predicate()`` holds (True) or ``timeout`` seconds pass (False)."""
        end = time.perf_counter() + timeout
        while not predicate():
            left = end - time.perf_counter()
            if left <= 0 or (self.closed and not predicate()):
                return predicate()
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), min(left, 1.0))
            except TimeoutError:
                pass
        return True

    def button(self, prefix: str):
        for el in self.elements.values():
            if el is not None and el.WhichOneof("type") == "button" and el.button.label.startswith(prefix):
                return el.button
        return None

    async def click(self, prefix: str = "Train") -> None:
        button = self.button(prefix)
        self.clicked_run = self.runs_finished
        if button is None:                         # (an exception on the page, say): recorded, not raised
            self.failure = f"no button starting with {prefix!r}; texts: {self.texts[:6]}"
            return
        self.t_click = time.perf_counter()
        self.first_frame_s = self.final_s = None
        self.frames = 0
        await self._send_rerun(WidgetStates(widgets=[WidgetState(id=button.id, trigger_value=True)]))

    async def results(self, timeout: float) -> bool:
        """Wait for the final leaderboard, then for that run to end (captions come after it)."""
        if self.failure:
            return False
        got = await self.wait_for(lambda: self.final_s is not None, timeout)
        if got:
            await self.wait_for(lambda: self.runs_finished > self.clicked_run and not self.running, 30)
        return got

    def budget_refusal(self) -> float | None:
        """Seconds from the click to an error naming the compute budget (None: none seen)."""
        return next((t for t, body in self.errors if t is not None and BUDGET_TEXT in body.lower()), None)

    def sharing(self) -> dict:
        """What the captions under the leaderboard say: trained here, shared from the class."""
        trained = shared = None
        for text in self.texts:
            flat = text.replace("*", "")
            if TRAINED in flat:
                trained = _names_after(flat, TRAINED)
            if SHARED in flat:
                shared = _names_after(flat, SHARED)
        return {"trained": trained, "shared": shared}

    def summary(self) -> dict:
        return {"label": self.label, "opened_s": _r(self.opened_s), "first_frame_s": _r(self.first_frame_s),
                "final_s": _r(self.final_s), "frames": self.frames, **self.sharing(),
                "exceptions": self.exceptions, "errors": [body for _, body in self.errors],
                "ref_hashes": self.ref_hashes, "failure": self.failure}


def _names_after(text: str, marker: str) -> list[str]:
    rest = text.split(marker, 1)[1]
    rest = re.split(r"(?:Trained in this session:|Shared from the class's results:|\n)", rest)[0]
    rest = re.sub(r"\([^)]*\)", "", rest)        # "(the same data, settings and seed ...)"
    return [n.strip(" .·") for n in rest.split(",") if n.strip(" .·")]


def _r(x):
    return None if x is None else round(x, 3)


def _xsrf_cookie(url: str) -> str | None:
    """What the browser's first page load does: GET the page; the server sets the XSRF cookie."""
    try:
        with urllib.request.urlopen(url + "/", timeout=30) as resp:
            for header in resp.headers.get_all("Set-Cookie") or []:
                if header.startswith("_streamlit_xsrf="):
                    return header.split(";", 1)[0].split("=", 1)[1]
    except OSError:
        pass
    return None


# --- the server ------------------------------------------------------------------------------------

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


# --- scenarios ---------------------------------------------------------------------------------------

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


def stats(values) -> dict:
    v = [x for x in values if x is not None]
    if not v:
        return {"n": 0}
    return {"n": len(v), "min": round(min(v), 2), "median": round(statistics.median(v), 2), "max": round(max(v), 2)}


async def open_all(students: list[Student], timeout: float) -> None:
    await asyncio.gather(*(s.open(timeout) for s in students))


async def close_all(students: list[Student]) -> None:
    await asyncio.gather(*(s.close() for s in students), return_exceptions=True)


def report(name: str, students: list[Student], **extra) -> dict:
    rows = [s.summary() for s in students]
    return {"scenario": name, "students": len(students), "loadavg": load(),
            "opened_s": stats(r["opened_s"] for r in rows),
            "first_frame_s": stats(r["first_frame_s"] for r in rows),
            "final_s": stats(r["final_s"] for r in rows),
            "frames": stats(r["frames"] for r in rows),
            "with_results": sum(r["final_s"] is not None for r in rows),
            "exceptions": sorted({e for r in rows for e in r["exceptions"]}),
            "errors": sorted({e for r in rows for e in r["errors"]}),
            "failures": sorted({f"{r['label']}: {r['failure']}" for r in rows if r["failure"]}),
            **extra, "per_student": rows}


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
    return report("over-budget", [s], refused_s=_r(s.budget_refusal()), trained_anyway=s.first_frame_s is not None)


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
    from nncore.models.registry import ModelSpec
    from nncore.training.live import LiveComparison

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
                  third_final_s=_r(third.final_s),
                  third_in_time=third.final_s is not None and third.final_s <= limit,
                  queue_texts=[t for t in third.texts if "ahead of you" in t or "Waiting" in t][:5])


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
                  server_pid=pid, trainings_stopped_s=_r(stopped_s),
                  stopped_in_time=stopped_s is not None and stopped_s <= 2.0,
                  next_first_frame_s=_r(nxt.first_frame_s),
                  next_in_time=nxt.first_frame_s is not None and nxt.first_frame_s <= 2.0)


SCENARIOS = {"same": "same-lineup", "different": "different-lineups", "over-budget": "over-budget",
             "at-budget": "at-budget", "closed-tab": "closed-tab"}


async def run_scenario(name: str, url: str, students: int, pid: int | None = None) -> dict:
    if name == "same":
        return await same_lineup(url, students)
    if name == "different":
        return await different_lineups(url, students)
    if name == "over-budget":
        return await over_budget(url)
    if name == "at-budget":
        return await at_budget(url)
    return await closed_tab(url, pid=pid)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Simulated students on the moons page, over Streamlit's websocket.")
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
