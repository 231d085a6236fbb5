"""The simulated student: one websocket speaking Streamlit's own protocol, as a browser tab does.

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
"""
from __future__ import annotations

import asyncio
import re
import time
import urllib.request
from urllib.parse import urlparse

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState, ContextInfo
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

TRAINED = "Trained in this session:"
SHARED = "Shared from the class's results:"
BUDGET_TEXT = "compute budget"


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


def _names_after(text: str, marker: str) -> list[str]:
    rest = text.split(marker, 1)[1]
    rest = re.split(r"(?:Trained in this session:|Shared from the class's results:|\n)", rest)[0]
    rest = re.sub(r"\([^)]*\)", "", rest)        # "(the same data, settings and seed ...)"
    return [n.strip(" .·") for n in rest.split(",") if n.strip(" .·")]


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
