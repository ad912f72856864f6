"""The whole app without a model (no checkpoint, no study), launched in this process on a free port:
what the security tests need to send hostile input through Gradio's own queue and stream, in seconds."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from gradio_client import Client

import app
from pages import common, study
from t2i_core.roots import DataRoots
from tests.browser import free_port


@contextmanager
def light_app(data_roots: tuple[Path, ...] = (), max_sessions: int = common.MAX_SESSIONS):
    """Yield (the Blocks, a Gradio client) for an app with no model, served as ``app.py`` serves it."""
    model = common.Model(Path("no-model"), None, "no model in this test")
    demo = app.build_app(model, DataRoots.from_operator(data_roots), study.StudyServer(None, None, "no study here"))
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True,
                state_session_capacity=max_sessions, app_kwargs=dict(app.SERVER_APP_KWARGS))
    client = Client(f"http://127.0.0.1:{port}/", verbose=False, download_files=False)
    try:
        yield demo, client
    finally:
        client.close()
        demo.close()


def raw_call(demo, client: Client, api_name: str, *values, session_hash: str = "hostile-visitor") -> dict:
    """Call an event as a browser does, through the queue and its event stream, with the body written by
    ``json.dumps`` (ASCII: a lone surrogate travels as ``\\ud800``, as a browser's JSON.stringify sends it;
    Gradio's own client cannot send one). Returns the final message: ``output`` or ``error``."""
    import json
    import urllib.request

    from gradio.components import State

    index, fn = next((i, f) for i, f in demo.fns.items() if f.api_name == api_name)
    given = iter(values)
    data = [None if isinstance(block, State) else next(given) for block in fn.inputs]
    root = client.src.rstrip("/")
    body = json.dumps({"data": data, "event_data": None, "fn_index": index, "trigger_id": None,
                       "session_hash": session_hash}).encode("ascii")
    request = urllib.request.Request(f"{root}/gradio_api/queue/join", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200
    with urllib.request.urlopen(f"{root}/gradio_api/queue/data?session_hash={session_hash}", timeout=60) as stream:
        for line in stream:
            if line.startswith(b"data:"):
                message = json.loads(line[5:])
                if message.get("msg") == "process_completed":
                    return message
    raise AssertionError("the event stream ended without a result")
