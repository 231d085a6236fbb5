"""A join link's QR code as a PNG (``segno``): pure, from the text alone."""
from __future__ import annotations

import io
from functools import lru_cache

import segno


@lru_cache(maxsize=256)
def qr_png(text: str, scale: int = 6) -> bytes:
    """The QR code of ``text`` (error correction M, a quiet zone of 2 modules), black on white."""
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=scale, border=2)
    return out.getvalue()
