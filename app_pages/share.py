"""The "Share this setup" dialog: the page's link, with a checkbox per control to hide from students."""
from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from app_pages import session
from nncore import urlstate

COLUMNS = 3


@st.dialog("Share this setup", width="large")
def dialog(params: dict[str, str]) -> None:
    """``params``: the page's link parameters (setup and lesson); the dialog adds hide= and classroom=."""
    st.write("Anyone who opens this link gets exactly these settings. Tick the controls to hide from "
             "students: their values still come from the link.")
    labels, hidden = urlstate.hideable_labels(), session.view().hidden
    names = list(labels)
    chosen = []
    cols = st.columns(COLUMNS)
    for k, name in enumerate(names):
        if cols[k % COLUMNS].checkbox(labels[name], value=name in hidden, key=f"share-hide-{name}"):
            chosen.append(name)
    classroom = st.checkbox("Open in classroom mode", value=bool(session.view().classroom), key="share-classroom")
    query = {k: v for k, v in params.items() if k not in ("hide", "classroom")}
    query.update(urlstate.encode_hide(chosen))
    if classroom:
        query["classroom"] = "1"
    base = (st.context.url or "").split("?")[0]                # (None outside a browser)
    st.code(f"{base}?{urlencode(query, safe=',:[]{}')}" if query else base, language=None, wrap_lines=True)
    st.caption("The copy button is at the code box's top right.")
