"""The browser 3D viewer: one self-contained HTML page (our own Canvas2D code, nothing fetched).

``viewer_html(data)`` fills ``viewer.html`` with the playback JSON of ``playback.py``;
``viewer_iframe(html)`` wraps a page in an ``<iframe srcdoc=...>`` for embedding in another
page (the app shows it through ``gr.HTML``). The viewer exposes the frame it shows as
``document.body.dataset.frame`` (``data-frame``), ``data-frames`` and ``data-playing``; its record
button (``#record``) plays the clip once at 1x and saves the canvas as a video made by the browser
(MediaRecorder: MP4 where supported, else WebM), setting ``data-recording`` and then ``data-recorded``
(JSON: type, bytes, name, seconds) and posting ``{type: "t2i-recorded"}`` to its parent; it accepts
``postMessage({type: "t2i-seek", frame})`` / ``{type: "t2i-play"}`` / ``{type: "t2i-pause"}``
and posts ``{type: "t2i-frame", frame, viewer}`` to its parent whenever the frame changes. A scene's
playback data may add ``segments`` (``[{start, stop, prompt}]``: boundaries marked on the scrub bar, the
shown frame's prompt written over the stage, its index in ``data-segment``), ``window`` (``[start, stop)``
frames, shaded on the bar: the last edit) and ``selection`` (``[start, stop)``: the window picked for the
next edit). A scene's viewer has a lane under the scrub bar on which a window is selected by dragging (a
click selects the segment under it): shaded, kept in ``data-selection`` (``"start,stop"``) and posted to
the parent as ``{type: "t2i-window", start, stop, viewer}``; the parent sets it with
``postMessage({type: "t2i-select", seconds: [start, stop]})``.
"""

from __future__ import annotations

import html
import json
from functools import cache
from pathlib import Path

_TEMPLATE = Path(__file__).with_name("viewer.html")
_DATA_SLOT = "/*__PLAYBACK_DATA__*/null"
_OPTIONS_SLOT = "/*__OPTIONS__*/{}"


@cache
def _template() -> str:
    return _TEMPLATE.read_text(encoding="utf-8")


def _script_json(value) -> str:
    """JSON that is safe inside a <script> element (no '</script>' or '<!--' can appear)."""
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def viewer_html(data: dict | str | None, autoplay: bool = True, start_frame: int = 0, viewer_id: str = "",
                message: str = "", download_name: str = "") -> str:
    """The whole viewer page for ``playback_data`` (a dict or its JSON); ``None`` shows ``message``.
    ``download_name`` is the stem of the video its record button saves (``export.file_stem``); without
    one the button is hidden."""
    options = {"autoplay": bool(autoplay), "start": int(start_frame), "id": viewer_id, "message": message,
               "download": download_name}
    page = _template()
    return page.replace(_DATA_SLOT, "null" if data is None else _script_json(data), 1).replace(
        _OPTIONS_SLOT, _script_json(options), 1)


def placeholder_html(message: str) -> str:
    """A viewer page with nothing to play, showing ``message``."""
    return viewer_html(None, message=message)


def viewer_iframe(page: str, height: int = 480, element_id: str = "", title: str = "3D playback") -> str:
    """``page`` embedded as an iframe (srcdoc): scripts run in their own document."""
    ident = f' id="{html.escape(element_id, quote=True)}"' if element_id else ""
    return (f'<iframe{ident} title="{html.escape(title, quote=True)}" srcdoc="{html.escape(page, quote=True)}" '
            f'style="width:100%;height:{int(height)}px;border:0;border-radius:8px;display:block" '
            f'loading="eager"></iframe>')
