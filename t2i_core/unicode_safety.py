"""Text a visitor sends may hold lone surrogates (U+D800-U+DFFF on their own): Python strings allow
them, but they cannot be encoded as UTF-8, so a file name, a path, a token comparison or the page's
JSON stream holding one fails deep inside a library. Names and tokens holding one are refused where
they are checked; text echoed back to a page has them replaced."""

from __future__ import annotations

import re

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def has_lone_surrogate(text: str) -> bool:
    return _LONE_SURROGATE.search(text) is not None


def without_lone_surrogates(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD (the replacement character)."""
    return _LONE_SURROGATE.sub(REPLACEMENT, text)
