"""What one visitor costs in memory is bounded (issue 21: every session's state was kept, up to Gradio's
10,000, and each that opened demo/compose held its own copy of the set). The figures themselves come from
``python -m benchmarks.bench_sessions``; these tests keep the mechanisms from coming back."""

from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import gradio as gr
import numpy as np
import pytest
from gradio_client import Client

import app
from pages import common, dataset, study
from pages.session_store import SessionStore
from t2i_core.pipeline import GenerationResult
from t2i_core.roots import DataRoots
from tests.browser import free_port
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


class HeldModel:
    """A model runner whose generation waits until the test lets it finish (``release``), so other visitors can
    arrive meanwhile; its motion is small and random."""

    max_frames = 300

    def __init__(self):
        self.started, self.release = threading.Event(), threading.Event()

    def run(self, job, prompt, seconds=1.0, seed=(0,), callback=None, **kwargs):
        assert job == "generate"
        self.started.set()
        assert self.release.wait(60), "the test never let the generation finish"
        rng = np.random.default_rng(list(seed))
        joints = rng.normal(0, 0.3, (len(seed), 2, 20, 22, 3)) + np.array([0.0, 1.0, 0.0])
        features = rng.normal(0, 1, (len(seed), 2, 20, 262))
        settings = {"prompt": prompt, "seeds": list(seed), "steps": kwargs.get("steps"), "frames": 20}
        return GenerationResult(prompt, features, joints, list(seed), settings=settings), None

    def close(self) -> None:
        pass


@contextmanager
def served(model_runner, max_sessions: int, sessions=None):
    """The app (model ``model_runner``, no study) on a free port with Gradio keeping ``max_sessions`` sessions;
    yields (Blocks, client)."""
    model = common.Model(Path("held-model"), model_runner, None, "a held model")
    extra = {} if sessions is None else {"sessions": sessions}
    demo = app.build_app(model, DataRoots.from_operator(()), study.StudyServer(None, None, "no study here"), **extra)
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True,
                state_session_capacity=max_sessions, app_kwargs=dict(app.SERVER_APP_KWARGS))
    client = Client(f"http://127.0.0.1:{port}/", verbose=False, download_files=False)
    try:
        yield demo, client
    finally:
        client.close()
        demo.close()


GENERATE = ("two people shake hands.", 1, "5", 1, 3.5, 4, True)  # prompt, seconds, seeds, samples, guidance, steps,
# physics: the Generate page's inputs as its API takes them


def test_a_visitor_generating_while_many_light_sessions_arrive_gets_its_result_and_downloads():
    """Issue 21 (found with benchmarks/bench_votes.py): 50 study raters arriving while one visitor generated pushed
    that visitor's session out of Gradio's 24, and its downloads never came. Here Gradio keeps 3 sessions and 12
    visitors who only load the page (the study's page-load event) arrive during the generation."""
    held = HeldModel()
    with served(held, max_sessions=3) as (demo, client):
        generated = {}
        worker = threading.Thread(target=lambda: generated.update(
            raw_call(demo, client, "generate", *GENERATE, session_hash="generating-visitor")))
        worker.start()
        assert held.started.wait(60)
        for visitor in range(12):
            message = raw_call(demo, client, "study_start", "", session_hash=f"page-load-{visitor}")
            assert message["success"]
        assert "generating-visitor" not in demo.state_holder.session_data  # Gradio dropped it: the case at hand
        held.release.set()
        worker.join(60)
        status = generated["output"]["data"][-7]  # then the viewer, the sample picker and the 4 download buttons
        assert generated["success"] and "#1: generated 1 sample" in status
        downloads = raw_call(demo, client, "downloads", status, session_hash="generating-visitor")
        assert downloads["success"], downloads
        status, buttons = downloads["output"]["data"][-5], downloads["output"]["data"][-4:]
        assert "Downloads ready" in status, status
        names = [Path(button["value"]["path"]).name for button in buttons]
        assert names == ["two_people_shake_hands_seed5.npz", "two_people_shake_hands_seed5_person1.bvh",
                         "two_people_shake_hands_seed5_person2.bvh", "two_people_shake_hands_seed5_settings.json"]
        # another session never gets this visitor's files
        stranger = raw_call(demo, client, "downloads", "", session_hash="page-load-11")
        assert stranger["success"] and not any(isinstance(b, dict) and b.get("value") for b in
                                               stranger["output"]["data"][-4:])


def test_a_visitor_whose_results_were_dropped_is_told_the_session_expired():
    held = HeldModel()
    held.release.set()
    store = SessionStore(budget_bytes=150_000, ttl_s=common.SESSION_TTL_S)  # one visitor's results (~105 kB)
    with served(held, max_sessions=3, sessions=store) as (demo, client):
        for visitor in ("first", "second"):
            message = raw_call(demo, client, "generate", *GENERATE, session_hash=visitor)
            assert message["success"]
            assert raw_call(demo, client, "downloads", "", session_hash=visitor)["success"]
        assert "first" not in store and "second" in store  # delivered and idle: the older went for the newer
        for api_name, values in (("downloads", ("",)), ("video", ()), ("attention", ("average", "average", 0))):
            message = raw_call(demo, client, api_name, *values, session_hash="first")
            assert message["success"], (api_name, message)
            assert "This session expired" in str(message["output"]["data"]), api_name


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
    seen, stores = {}, []
    monkeypatch.setattr(gr.Blocks, "launch", lambda self, **kwargs: seen.update(kwargs))
    monkeypatch.setattr(app, "SessionStore", lambda *args, **kwargs: stores.append(SessionStore(*args, **kwargs))
                        or stores[-1])
    app.main(["--checkpoint", str(tmp_path / "none"), "--study", str(tmp_path / "none"),
              "--study-db", str(tmp_path / "votes.sqlite"), "--max-sessions", "5", "--session-memory-mib", "7"])
    assert seen["state_session_capacity"] == 5
    assert stores[-1].budget_bytes == 7 << 20 and stores[-1].ttl_s == common.SESSION_TTL_S
    assert seen["app_kwargs"]["middleware"]  # the lone-surrogate guard
    seen.clear()
    app.main(["--checkpoint", str(tmp_path / "none"), "--study", str(tmp_path / "none"),
              "--study-db", str(tmp_path / "votes.sqlite")])
    assert seen["state_session_capacity"] == common.MAX_SESSIONS
    assert stores[-1].budget_bytes == common.SESSION_MEMORY_MIB << 20
    for flag in ("--max-sessions", "--session-memory-mib"):
        with pytest.raises(SystemExit):
            app.main(["--checkpoint", str(tmp_path / "none"), "--study", str(tmp_path / "none"),
                      "--study-db", str(tmp_path / "votes.sqlite"), flag, "0"])
