"""A lone surrogate (U+D800-U+DFFF alone: valid JSON, not encodable as UTF-8) in a name, a clip id or the
operator token gets the usual refusal through Gradio's own queue and stream, never a bare "Error" or a
failed stream (issue 21)."""

from __future__ import annotations

import pytest

from pages import study
from t2i_core.roots import REFUSED, DataRoots, OutsideRootsError
from t2i_core.unicode_safety import REPLACEMENT, has_lone_surrogate, without_lone_surrogates
from tests.fixtures import build_folder
from tests.security.light_app import light_app, raw_call

LONE = "\ud800"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    root = tmp_path_factory.mktemp("root")
    build_folder(root / "set", {"train": ["c0"], "test": ["c1"]})
    with light_app((root,)) as (demo, client):
        yield demo, client, root.name


def outputs(message: dict) -> list:
    assert message["success"], message  # a handled refusal, not an "Error" from the queue
    return message["output"]["data"]


def test_a_folder_name_with_a_lone_surrogate_is_refused_like_any_other(client):
    demo, client, root = client
    info = outputs(raw_call(demo, client, "open_dataset", f"demo/compose{LONE}", "status"))[1]
    assert REFUSED in info
    info = outputs(raw_call(demo, client, "list_clips", f"{root}/set{LONE}", "test"))[1]
    assert REFUSED in info
    info = outputs(raw_call(demo, client, "list_clips", f"{root}/set", "test"))[1]  # the stream still works
    assert "1 clips" in info


def test_a_clip_id_with_a_lone_surrogate_is_refused_and_echoed_safely(client):
    demo, client, root = client
    info = outputs(raw_call(demo, client, "weights_clip", f"{root}/set", f"c1{LONE}", 0, 0.1, 8, "none"))[1]
    assert "Cannot load clip" in info and f"c1{REPLACEMENT}" in info and "not a clip id" in info
    info = outputs(raw_call(demo, client, "weights_clip", f"{root}/set", "c1", 0, 0.1, 8, "none"))[1]
    assert "clip c1" in info


def test_the_operator_token_with_a_lone_surrogate_is_just_a_wrong_token():
    server = study.StudyServer(None, None, None, token="the-right-token")
    assert study._authorised(server, f"the-right-token{LONE}").startswith("Wrong operator token")
    assert study._authorised(server, "the-right-token") is None


def test_the_checks_themselves():
    assert has_lone_surrogate(f"a{LONE}b") and not has_lone_surrogate("a😀b")
    assert without_lone_surrogates(f"a{LONE}\udfffb") == f"a{REPLACEMENT}{REPLACEMENT}b"
    with pytest.raises(OutsideRootsError):
        DataRoots.from_operator().resolve(f"demo/{LONE}")


def test_the_guard_rewrites_only_lone_surrogates_in_json_bodies():
    import json

    from t2i_core.unicode_safety import clean_json_body

    body = json.dumps({"data": [f"clip{LONE}", "wave 😀", {"k\udfff": [1, None]}]}).encode()
    cleaned = json.loads(clean_json_body(body))
    assert cleaned == {"data": [f"clip{REPLACEMENT}", "wave 😀", {f"k{REPLACEMENT}": [1, None]}]}
    plain = json.dumps({"data": ["wave 😀"]}).encode()  # an emoji travels as a surrogate pair: unchanged
    assert json.loads(clean_json_body(plain)) == {"data": ["wave 😀"]}
    assert clean_json_body(b'{"a": "no escapes"}') == b'{"a": "no escapes"}'
    assert clean_json_body(b"not json \\ud800") == b"not json \\ud800"


def test_the_guard_cleans_every_json_media_type_the_framework_parses():
    import asyncio
    import json
    from concurrent.futures import ThreadPoolExecutor

    from t2i_core.unicode_safety import LoneSurrogateGuard

    def through_guard(content_type: bytes) -> str:
        seen = {}

        async def app(scope, receive, send):
            message = await receive()
            seen["body"] = message.get("body", b"")

        body = json.dumps({"data": [f"clip{LONE}"]}).encode()
        messages = iter([{"type": "http.request", "body": body, "more_body": False}])

        async def receive():
            return next(messages)

        async def send(message):
            pass

        scope = {"type": "http", "method": "POST", "headers": [(b"content-type", content_type)]}
        # a thread of its own: a browser test earlier in the session may leave an event loop running here
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, LoneSurrogateGuard(app)(scope, receive, send)).result()
        return json.loads(seen["body"])["data"][0]

    for content_type in (b"application/json", b"Application/JSON; charset=utf-8", b"application/x-gradio+json"):
        assert through_guard(content_type) == f"clip{REPLACEMENT}", content_type
    assert through_guard(b"text/plain") == f"clip{LONE}"  # not parsed as JSON downstream: left as sent
