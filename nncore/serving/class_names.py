"""A class's code and a challenge nickname: what may be typed, and the one line that says what is wrong."""
from __future__ import annotations

import unicodedata

ALPHABET = "ACEFHJKMPRTWXY3479"    # no 0/O/D/Q, 1/I/L, 2/Z, 5/S, 8/B, 6/G, U/V, and no N (aloud: M or N?)
CODE_LENGTH = 5
NICKNAME_MAX = 20
_NICK_PUNCTUATION = set(" -.'!")


def normal_code(text) -> str | None:
    """A typed or linked code as the store keeps it ("k7m 4r" -> "K7M4R"); None when it cannot be one."""
    if not isinstance(text, str) or len(text) > 40:
        return None
    code = text.strip().upper().replace(" ", "").replace("-", "")
    return code if len(code) == CODE_LENGTH and all(c in ALPHABET for c in code) else None


def shown_code(text) -> str:
    """A code from a link as a message may quote it: printable, at most 12 characters."""
    raw = str(text)
    return "".join(c for c in raw[:12] if c.isprintable()) + ("…" if len(raw) > 12 else "")


def no_class(text) -> ValueError:
    return ValueError(f"No class with code '{shown_code(text)}' — ask your teacher for the code.")


def check_nickname(text) -> str:
    """The nickname as the board shows it (spaces trimmed), or a ValueError saying what a nickname may be."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("Choose a nickname (letters and digits, at most 20 characters).")
    name = " ".join(text.split()) if all(c.isprintable() for c in text) else None
    if name is None:
        raise ValueError("A nickname cannot contain control characters.")
    if len(name) > NICKNAME_MAX:
        raise ValueError(f"A nickname has at most {NICKNAME_MAX} characters (this one has {len(text):,}).")
    bad = sorted({c for c in name if not (c.isalnum() or c in _NICK_PUNCTUATION
                                          or unicodedata.category(c) in ("Mn", "Mc", "So"))})
    if bad:
        raise ValueError(f"A nickname uses letters, digits, spaces and - . ' ! only (not {' '.join(bad[:5])}).")
    return name
