"""Text2Interact web app: assembles the pages and launches the Gradio server.

    python app.py [--host 127.0.0.1] [--port 7860] [--checkpoint assets/interactor] [--threads 1]
                  [--data-root DIR ...] [--max-sessions 64] [--session-memory-mib 128] [--study DIR]
                  [--study-db PATH] [--votes-per-minute N]

The checkpoint defaults to ``assets/interactor`` next to this file (never the working directory);
when it is missing the app still starts and says so on the page.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
from pathlib import Path

# The app never phones home: nothing may reach the network at run time.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import gradio as gr
import torch
from starlette.middleware import Middleware

from pages import about, attention, common, dataset, generate, reaction, scene, study, weights
from pages.session_store import SessionStore
from t2i_core.roots import DataRoots, RootConfigError
from t2i_core.unicode_safety import LoneSurrogateGuard

TITLE = "Text2Interact"
# What the web server runs before the app: lone surrogates never reach a page's handler or Gradio's checks.
SERVER_APP_KWARGS = {"middleware": [Middleware(LoneSurrogateGuard)]}


def build_app(model: common.Model, roots: DataRoots | None = None,
              study_server: study.StudyServer | None = None, sessions: SessionStore | None = None) -> gr.Blocks:
    """The app; ``sessions`` keeps every visitor's results (default: a store of ``common.SESSION_MEMORY_MIB``)."""
    roots = roots if roots is not None else DataRoots.from_operator()
    sessions = sessions if sessions is not None else SessionStore(common.SESSION_MEMORY_MIB << 20,
                                                                  ttl_s=common.SESSION_TTL_S)
    with gr.Blocks(title=TITLE, delete_cache=(3600, 6 * 3600)) as demo:
        gr.Markdown(f"# {TITLE}\nType what two people do together; get both bodies moving in 3D.",
                    elem_id="app-header")
        rater = study.rater_state()
        with gr.Tabs():
            generate.build(model, sessions)
            attention.build(sessions)
            weights.build(sessions, roots)
            reaction.build(model, sessions, roots)
            scene.build(model, sessions)
            dataset.build(sessions, roots)
            study.build(study_server or study.open_study(), demo, rater)
            about.build()
        # A closed tab's results are the first to go when memory is needed (a reload is a new session).
        demo.unload(sessions.close_request)
    # One CPU-heavy job at a time (generation, video); a second visitor waits in the queue.
    demo.queue(default_concurrency_limit=1, max_size=64)
    return demo


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Text2Interact web app")
    # Hugging Face Spaces tells the app where to serve through Gradio's own environment variables.
    host = os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1")
    port = int(os.environ.get("GRADIO_SERVER_PORT", "7860"))
    parser.add_argument("--host", default=host, help=f"address to serve on (default {host})")
    parser.add_argument("--port", type=int, default=port, help=f"port to serve on (default {port})")
    parser.add_argument("--checkpoint", type=Path, default=common.DEFAULT_CHECKPOINT,
                        help=f"InterActor checkpoint folder (default {common.DEFAULT_CHECKPOINT})")
    parser.add_argument("--threads", type=int, default=1,
                        help="CPU threads for the model, in its own process (default 1: on a shared 2-core CPU more "
                             "threads than free cores make torch spin and run many times slower)")
    parser.add_argument("--data-root", type=Path, action="append", default=[], metavar="DIR",
                        help="a folder whose data sets the pages may read (repeatable); visitors see only "
                             "folders inside these and the shipped demo sets, by relative name")
    parser.add_argument("--max-sessions", type=int, default=common.MAX_SESSIONS,
                        help=f"sessions whose page values Gradio keeps (default {common.MAX_SESSIONS}; about 0.5 MiB "
                             "each); beyond it the least recently used one's are dropped. Results are not among "
                             "them: see --session-memory-mib")
    parser.add_argument("--session-memory-mib", type=int, default=common.SESSION_MEMORY_MIB, metavar="MIB",
                        help="memory for all visitors' results together (default "
                             f"{common.SESSION_MEMORY_MIB}); beyond it the least recently used idle visitor's "
                             "results are dropped (that visitor is told the session expired). A visitor whose job "
                             "runs, or whose result is not yet downloaded, is never dropped")
    parser.add_argument("--study", type=Path, default=study.DEFAULT_STUDY,
                        help=f"prepared user study folder (default {study.DEFAULT_STUDY}: the demo study)")
    parser.add_argument("--study-db", type=Path, default=study.DEFAULT_DB,
                        help=f"SQLite file of the study's votes (default {study.DEFAULT_DB})")
    parser.add_argument("--votes-per-minute", type=int, default=study.DEFAULT_VOTES_PER_MINUTE, metavar="N",
                        help="user-study votes accepted per client address and minute; more are refused with a "
                             f"message and counted for the operator (default {study.DEFAULT_VOTES_PER_MINUTE}, "
                             "0: no limit)")
    args = parser.parse_args(argv)
    if args.votes_per_minute < 0:
        parser.error(f"--votes-per-minute must be 0 (no limit) or more, got {args.votes_per_minute}")
    if args.max_sessions < 1:
        parser.error("--max-sessions must be at least 1")
    if args.session_memory_mib < 1:
        parser.error("--session-memory-mib must be at least 1")
    try:
        roots = DataRoots.from_operator(args.data_root)
    except RootConfigError as error:
        parser.error(str(error))
    torch.set_num_threads(1)  # the web server's own work is light: the CPU goes to the model's process
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    model = common.load_model(args.checkpoint, worker=True, threads=args.threads)
    if not model.ready:
        logging.getLogger("text2interact.app").warning(model.error)
    study_server = study.open_study(args.study, args.study_db, votes_per_minute=args.votes_per_minute)
    sessions = SessionStore(args.session_memory_mib << 20, ttl_s=common.SESSION_TTL_S)
    demo = build_app(model, roots, study_server, sessions)
    freeze_startup_objects()
    demo.launch(server_name=args.host, server_port=args.port, show_error=False,
                state_session_capacity=args.max_sessions, app_kwargs=dict(SERVER_APP_KWARGS),
                css=common.CSS + dataset.CSS,
                head=attention.FOLLOW_VIEWER_HEAD + study.SYNC_VIEWERS_HEAD + dataset.HEAD
                + scene.HEAD)


def freeze_startup_objects() -> None:
    """Keep the loaded app's objects out of Python's full garbage collections.

    The built app is about 420,000 objects that live as long as the server; every full collection scanned
    them all, holding the GIL for 0.5 s on an idle CPU (seconds on a busy one), and a burst of new visitors
    (each new Gradio session copies the page's config) set one off every few dozen sessions: the votes and
    page loads of that moment waited for it. Frozen, a full collection scans only what came after (0.05-0.1 s,
    benchmarks/bench_votes.py)."""
    gc.collect()
    gc.freeze()


if __name__ == "__main__":
    main()
