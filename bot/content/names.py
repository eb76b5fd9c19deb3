"""Names as people see them: one cleaning for every place a name is shown.

A Telegram display name or a form field can carry characters that change how the text
around it reads without being seen: bidirectional overrides and isolates (U+202A–202E,
U+2066–2069, the marks U+200E/U+200F/U+061C) can make "Ana" display as something else or
reverse the rest of a coordinator's line, and zero-width characters (U+200B–200D, U+2060,
U+FEFF) make two different names look the same. :func:`clean_name` removes them (and control
characters), collapses white space and is used wherever a name is displayed: hand-off
messages, ``/handoffs``, sign-up notices, exports and digests.
"""

from __future__ import annotations

import re

INVISIBLE = re.compile(
    "["
    "\u0000-\u0008\u000b-\u001f\u007f-\u009f"  # control characters (not \t and \n)
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidirectional marks, overrides, isolates
    "\u200b-\u200d\u2060\ufeff"  # zero-width space, joiners, word joiner, BOM
    "]"
)


def strip_invisible(text: str) -> str:
    """``text`` without the characters of :data:`INVISIBLE`."""
    return INVISIBLE.sub("", text)


def clean_name(name: str | None) -> str:
    """A name as it is shown: invisible characters removed, white space collapsed."""
    return " ".join(strip_invisible(name or "").split())
