"""Text a visitor sends may hold lone surrogates (U+D800-U+DFFF on their own): Python strings allow
them, but they cannot be encoded as UTF-8, so a file name, a path, a token comparison or the page's
JSON stream holding one fails deep inside a library. Names and tokens holding one are refused where
they are checked; text echoed back to a page has them replaced; ``LoneSurrogateGuard`` replaces them
in every JSON request before the app sees it."""

from __future__ import annotations

import json
import re

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def has_lone_surrogate(text: str) -> bool:
    return _LONE_SURROGATE.search(text) is not None


def without_lone_surrogates(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD (the replacement character)."""
    return _LONE_SURROGATE.sub(REPLACEMENT, text)


_ESCAPED_SURROGATE = re.compile(rb"\\u[dD][89abcdefABCDEF][0-9a-fA-F]{2}")


def _clean(value):
    if isinstance(value, str):
        return without_lone_surrogates(value) if has_lone_surrogate(value) else value
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    return value


def clean_json_body(body: bytes) -> bytes:
    """A JSON request body with every lone surrogate in its strings replaced (U+FFFD); bodies without a
    ``\\uD800``-``\\uDFFF`` escape, and bodies that are not JSON, come back unchanged."""
    if not _ESCAPED_SURROGATE.search(body):
        return body
    try:
        value = json.loads(body)
    except ValueError:
        return body
    return json.dumps(_clean(value), ensure_ascii=False).encode("utf-8")


class LoneSurrogateGuard:
    """ASGI middleware: lone surrogates in JSON request bodies become U+FFFD before the app sees them.

    A browser's ``JSON.stringify`` sends a lone surrogate as a ``\\ud800`` escape, which parses back into
    a string that cannot be encoded: Gradio's own checks (a value not among a dropdown's choices) echo
    it into a message that its event stream then cannot serialise, and the visitor's stream dies. Paired
    surrogates (emoji) are whole characters after parsing and pass unchanged. Uploads (multipart) are not
    touched."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        headers = dict(scope.get("headers") or ()) if scope["type"] == "http" else {}
        if scope["type"] != "http" or scope.get("method") != "POST" or not _is_json(headers.get(b"content-type", b"")):
            await self.app(scope, receive, send)
            return
        chunks, more = [], True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                await self.app(scope, _replay([message], receive), send)
                return
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = clean_json_body(b"".join(chunks))
        if len(body) != sum(map(len, chunks)):
            scope = dict(scope, headers=[(k, str(len(body)).encode() if k == b"content-length" else v)
                                         for k, v in scope["headers"]])
        await self.app(scope, _replay([{"type": "http.request", "body": body, "more_body": False}], receive), send)


def _is_json(content_type: bytes) -> bool:
    """Whether a Content-Type is one the web framework parses as JSON (any case; ``application/*+json`` too)."""
    media = content_type.split(b";")[0].strip().lower()
    return media == b"application/json" or (media.startswith(b"application/") and media.endswith(b"+json"))


def _replay(messages: list[dict], receive):
    pending = list(messages)

    async def replayed():
        return pending.pop(0) if pending else await receive()

    return replayed
