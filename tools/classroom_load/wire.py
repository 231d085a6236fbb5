"""Streamlit's browser protocol, as Streamlit 1.67's frontend speaks it: the handshake and the messages a tab sends.

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
   A form submit button is the same. A choice (a radio) is a widget state with ``string_value``, the
   chosen option's label as the radio's proto lists it (Streamlit 1.67's radio: ``setStringValue``;
   earlier versions sent the index as ``int_value``). Every rerun resends every value this tab has
   set (the browser resends all its widgets; a widget never touched is at its default, which the
   server knows); a trigger goes once.
   A widget inside a fragment (its delta's ``fragment_id``) reruns only that fragment: the rerun
   names the fragment.
6. ``st.fragment(run_every=...)`` is driven by the browser: the server sends ``auto_rerun``
   (interval, fragment_id) while the run registers the fragment, and the browser then sends
   ``rerun_script`` with that ``fragment_id`` and ``is_auto_rerun=True`` every interval (one timer
   per fragment; the same interval again leaves the timer as it is). A full run's ``new_session``
   (its ``metadata.run.fragment_ids`` empty) clears every timer, and ``stop_auto_rerun`` clears
   the ones it names. A fragment run ends with ``FINISHED_FRAGMENT_RUN_SUCCESSFULLY``.
"""
from __future__ import annotations

import asyncio
import urllib.request
from urllib.parse import urlparse

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState, ContextInfo
from streamlit.proto.WidgetStates_pb2 import WidgetStates
from websockets.asyncio.client import connect


async def open_stream(url: str, timeout: float):
    """Steps 1 and 2: the page's GET (for the XSRF cookie), then the websocket with Streamlit's subprotocols."""
    host = urlparse(url).netloc
    cookie = await asyncio.to_thread(xsrf_cookie, url)
    headers = {"Origin": f"http://{host}"}
    if cookie:
        headers["Cookie"] = f"_streamlit_xsrf={cookie}"
    ws_url = url.replace("http://", "ws://", 1) + "/_stcore/stream"
    return await connect(ws_url, subprotocols=["streamlit", cookie or "PLACEHOLDER_AUTH_TOKEN"],
                         additional_headers=headers, max_size=None, open_timeout=timeout, ping_interval=None)


def rerun_message(url: str, page: str, query: str, widgets, page_hash: str, page_name: str = "",
                  fragment: str = "", auto: bool = False) -> bytes:
    """Step 3 (and every later rerun): a ``rerun_script`` BackMsg with the tab's widget states."""
    state = ClientState(
        query_string=query, widget_states=WidgetStates(widgets=list(widgets)), fragment_id=fragment,
        is_auto_rerun=auto, page_script_hash="" if page_name else page_hash, page_name=page_name,
        context_info=ContextInfo(timezone="UTC", timezone_offset=0, locale="en-US",
                                 url=f"{url}/{page}" + (f"?{query}" if query else ""),
                                 is_embedded=False, color_scheme="light"))
    return BackMsg(rerun_script=state).SerializeToString()


def widget_id(el) -> str | None:
    """The id of the widget an element is (None for a block or a plain element)."""
    kind = None if el is None else el.WhichOneof("type")
    return getattr(getattr(el, kind), "id", None) if kind else None


def xsrf_cookie(url: str) -> str | None:
    """What the browser's first page load does: GET the page; the server sets the XSRF cookie."""
    try:
        with urllib.request.urlopen(url + "/", timeout=30) as resp:
            for header in resp.headers.get_all("Set-Cookie") or []:
                if header.startswith("_streamlit_xsrf="):
                    return header.split(";", 1)[0].split("=", 1)[1]
    except OSError:
        pass
    return None
