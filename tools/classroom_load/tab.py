"""A browser tab: one websocket speaking Streamlit's own protocol (``wire``), as Streamlit 1.67's frontend does.

It keeps the element tree the server sent, resends its widget values on every rerun, and drives
``run_every`` fragments' timers as the browser does (see ``wire`` for the protocol, steps 1-6).
"""
from __future__ import annotations

import asyncio
import time

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.exceptions import ConnectionClosed

from tools.classroom_load.wire import open_stream, rerun_message, widget_id


class Tab:
    """One browser tab: a websocket, the element tree it shows, its widget values and fragment timers."""

    def __init__(self, url: str, page: str = "moons", query: str = "", label: str = ""):
        self.url, self.page, self.query, self.label = url.rstrip("/"), page, query.lstrip("?"), label
        self.ws = None
        self.reader: asyncio.Task | None = None
        self.changed = asyncio.Event()
        self.elements: dict[tuple, object] = {}    # delta path -> Element (None for a block)
        self.fragment_of: dict[tuple, str] = {}    # delta path -> the fragment that drew it ("" for none)
        self.touched: set[tuple] = set()          # paths written in the current run
        self.page_hash = ""
        self.runs_started = self.runs_finished = 0     # full runs
        self.running = False                       # a full run is under way
        self.run_fragments: tuple[str, ...] = ()   # the fragments the current run reruns (() for a full run)
        self.fragment_runs = 0                     # fragment runs finished (a timer's or a widget's)
        self.widgets: dict[str, WidgetState] = {}  # widget id -> the value this tab holds (resent each rerun)
        self.timers: dict[str, tuple[float, asyncio.Task]] = {}   # fragment id -> (interval, its timer)
        self.polls = True                          # honour auto_rerun, as a browser does
        self.texts: list[str] = []                 # every text seen, in order, each once
        self._seen: set[str] = set()
        self.exceptions: list[str] = []
        self.ref_hashes = 0
        self.closed = False
        self.t_open = self.opened_s = None
        self.failure: str | None = None

    # --- connection ---

    async def open(self, timeout: float = 120.0) -> None:
        self.t_open = time.perf_counter()
        self.ws = await open_stream(self.url, timeout)
        self.reader = asyncio.create_task(self._read())
        await self._send_rerun(page_name=self.page)
        await self.wait_for(lambda: self.runs_finished >= 1 and not self.running, timeout)
        self.opened_s = time.perf_counter() - self.t_open

    async def close(self) -> None:
        """The tab is closed: the websocket goes away (the server sees a disconnect)."""
        self.closed = True
        self._stop_timers(list(self.timers))
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            self.reader.cancel()
            await asyncio.gather(self.reader, return_exceptions=True)

    async def _send_rerun(self, triggers: tuple[WidgetState, ...] = (), page_name: str = "", fragment: str = "",
                          auto: bool = False) -> None:
        ids = {t.id for t in triggers}
        widgets = [*(w for i, w in self.widgets.items() if i not in ids), *triggers]
        await self.ws.send(rerun_message(self.url, self.page, self.query, widgets, self.page_hash,
                                         page_name, fragment, auto))

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
            self.run_fragments = tuple(msg.metadata.run.fragment_ids)
            self.touched = set()
            if not self.run_fragments:             # a full run: its page (not a fragment run's), every timer goes
                self.page_hash = msg.new_session.page_script_hash or self.page_hash
                self._stop_timers(list(self.timers))
                self.running = True
                self.runs_started += 1
        elif kind == "navigation":                 # st.navigation: the page this run shows
            self.page_hash = msg.navigation.page_script_hash or self.page_hash
        elif kind == "page_info_changed":
            self.query = msg.page_info_changed.query_string
        elif kind == "delta":
            path = tuple(msg.metadata.delta_path)
            self.touched.add(path)
            self.fragment_of[path] = msg.delta.fragment_id
            if msg.delta.WhichOneof("type") == "new_element":
                self.elements[path] = msg.delta.new_element
                self._element(msg.delta.new_element, path, now)
            elif msg.delta.WhichOneof("type") == "add_block":
                self.elements[path] = None
        elif kind == "script_finished":
            self._finished(msg.script_finished)
        elif kind == "auto_rerun" and self.polls:
            self._start_timer(msg.auto_rerun.fragment_id, msg.auto_rerun.interval)
        elif kind == "stop_auto_rerun":
            self._stop_timers(msg.stop_auto_rerun.fragment_ids)
        elif kind == "ref_hash":
            self.ref_hashes += 1
        elif kind == "page_not_found":
            self._text(f"page not found: {msg.page_not_found.page_name}")

    def _finished(self, status: int) -> None:
        if status == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY:    # the fragment's stale elements go
            self.fragment_runs += 1
            self.elements = {p: e for p, e in self.elements.items()
                             if p in self.touched or self.fragment_of.get(p) not in self.run_fragments}
            return
        if self.run_fragments:                     # a fragment run cut short (a rerun came)
            return
        self.running = False
        self.runs_finished += 1
        if status == ForwardMsg.FINISHED_SUCCESSFULLY:                 # stale elements and their widgets go
            self.elements = {p: e for p, e in self.elements.items() if p in self.touched}
            ids = {widget_id(e) for e in self.elements.values()}
            self.widgets = {i: w for i, w in self.widgets.items() if i in ids}

    def _element(self, el, path: tuple, now: float) -> None:
        """One element arrived (already in ``elements``): its text and exceptions are recorded."""
        etype = el.WhichOneof("type")
        if etype == "exception":
            self.exceptions.append(f"{el.exception.type}: {el.exception.message}")
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

    # --- fragment timers (the browser's setInterval per run_every fragment) ---

    def _start_timer(self, fragment: str, interval: float) -> None:
        if not fragment or self.timers.get(fragment, (None,))[0] == interval:
            return
        self._stop_timers([fragment])
        self.timers[fragment] = (interval, asyncio.get_running_loop().create_task(self._tick(fragment, interval)))

    def _stop_timers(self, fragments) -> None:
        for fragment in fragments:
            _, task = self.timers.pop(fragment, (None, None))
            if task is not None:
                task.cancel()

    async def _tick(self, fragment: str, interval: float) -> None:
        due = time.perf_counter()
        try:
            while not self.closed:
                due = max(due + interval, time.perf_counter())     # a late tick is not made up for
                await asyncio.sleep(due - time.perf_counter())
                await self._send_rerun(fragment=fragment, auto=True)
        except ConnectionClosed:
            pass

    # --- what a user does ---

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

    def find(self, kind: str, prefix: str = "") -> tuple[tuple, object] | None:
        """The first widget of ``kind`` ("button", "radio", ...) in page order whose label starts with
        ``prefix``: (its delta path, its proto)."""
        for path, el in sorted(self.elements.items()):
            if el is not None and el.WhichOneof("type") == kind and getattr(el, kind).label.startswith(prefix):
                return path, getattr(el, kind)
        return None

    async def press(self, prefix: str) -> bool:
        """Click a button: a trigger, and a rerun of its fragment (or of the page). False: no such button."""
        found = self.find("button", prefix)
        if found is None:
            self.failure = f"no button starting with {prefix!r}; texts: {self.texts[:6]}"
            return False
        path, button = found
        await self._send_rerun((WidgetState(id=button.id, trigger_value=True),), fragment=self.fragment_of[path])
        return True

    async def choose(self, index: int, prefix: str = "") -> bool:
        """Pick option ``index`` of a radio: its label (``string_value``, as the 1.67 frontend sends it) joins
        the tab's widget states, and its fragment (or the page) reruns. False: no such radio."""
        found = self.find("radio", prefix)
        if found is None:
            self.failure = f"no radio starting with {prefix!r}; texts: {self.texts[-6:]}"
            return False
        path, radio = found
        self.widgets[radio.id] = WidgetState(id=radio.id, string_value=radio.options[index])
        await self._send_rerun(fragment=self.fragment_of[path])
        return True

