"""What one visitor costs in memory is bounded (issue 21: every session's state was kept, up to Gradio's
10,000, and each that opened demo/compose held its own copy of the set). The figures themselves come from
``python -m benchmarks.bench_sessions``; these tests keep the mechanisms from coming back."""

from __future__ import annotations

import os
import time

import gradio as gr
import pytest

import app
from pages import common, dataset
from t2i_core.roots import DataRoots
from tests.security.light_app import light_app, raw_call


def test_sessions_beyond_the_cap_are_dropped_and_the_demo_set_is_shared():
    with light_app(max_sessions=3) as (demo, client):
        fn = next(f for f in demo.fns.values() if f.api_name == "open_dataset")
        data_state = fn.outputs[0]  # the page's gr.State holding the opened set
        for visitor in range(8):
            message = raw_call(demo, client, "open_dataset", dataset.DEMO_SET, "status",
                               session_hash=f"visitor-{visitor}")
            assert message["success"] and "candidates" in message["output"]["data"][1]
        kept = demo.state_holder.session_data
        assert 1 <= len(kept) <= 3
        assert set(kept) <= {f"visitor-{v}" for v in range(5, 8)}  # the least recently used went first
        sets = [session.state_data[data_state._id] for session in kept.values()]
        assert all(s is sets[0] for s in sets) and isinstance(sets[0], dataset.ComposeSet)  # one copy


def test_a_set_is_opened_again_only_when_its_files_change(tmp_path):
    from tests.fixtures import build_compose_output

    root = tmp_path / "root"
    folder = build_compose_output(root / "compose", root / "real")
    sets = dataset.SharedSets(DataRoots.from_operator([root]))
    first = sets.open("root/compose")
    assert sets.open("root/compose") is first
    stat = (folder / "compose.json").stat()
    os.utime(folder / "compose.json", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    again = sets.open("root/compose")
    assert again is not first and len(again.candidates) == len(first.candidates)


def test_a_visitors_results_expire_and_free_their_files():
    state = common.new_session_state()
    assert state.time_to_live == common.SESSION_TTL_S <= 3600
    assert state.delete_callback is common.delete_session
    session = common.Session()
    folder = session.ensure_folder()
    (folder / "x.npz").write_bytes(b"x")
    state.delete_callback(session)
    assert not folder.exists()


def test_download_folders_of_dropped_sessions_are_swept(tmp_path):
    old, new, other = tmp_path / "s-old", tmp_path / "s-new", tmp_path / "keep-me"
    for folder in (old, new, other):
        folder.mkdir()
        (folder / "f").write_text("x")
    hours_ago = time.time() - 2 * 3600
    for path in (old, other):
        os.utime(path, (hours_ago, hours_ago))
    assert common.sweep_session_folders(tmp_path, 3600) == 1
    assert not old.exists() and new.exists() and other.exists()


def test_the_app_caps_its_sessions(monkeypatch, tmp_path):
    seen = {}
    monkeypatch.setattr(gr.Blocks, "launch", lambda self, **kwargs: seen.update(kwargs))
    app.main(["--checkpoint", str(tmp_path / "none"), "--study", str(tmp_path / "none"),
              "--study-db", str(tmp_path / "votes.sqlite"), "--max-sessions", "5"])
    assert seen["state_session_capacity"] == 5
    assert seen["app_kwargs"]["middleware"]  # the lone-surrogate guard
    seen.clear()
    app.main(["--checkpoint", str(tmp_path / "none"), "--study", str(tmp_path / "none"),
              "--study-db", str(tmp_path / "votes.sqlite")])
    assert seen["state_session_capacity"] == common.MAX_SESSIONS
    with pytest.raises(SystemExit):
        app.main(["--max-sessions", "0"])
