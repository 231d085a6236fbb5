"""Text that pages render as Markdown: a student's words (a class or model name, a file's cell) shown as
written. Leaf module."""
from __future__ import annotations

import re

_MARKUP = re.compile(r"([\\`*_\[\]|~$<>])")      # what formats mid-line: no list, heading or link starts there


def literal(text: str) -> str:
    """``text`` as Markdown shows it literally (``$`` would start a formula, ``![](…)`` load an image)."""
    return _MARKUP.sub(r"\\\1", text)


def count(n: int, noun: str, plural: str | None = None) -> str:
    """'1 model', '3 models': a number and an English noun, its plural given when it is not noun + s
    ('3 entries')."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"
