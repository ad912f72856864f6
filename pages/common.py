"""What the pages share: the server's model (loaded once, read-only), each visitor's session and
small helpers for messages. Nothing here is global mutable state: the model is passed to the
pages by ``app.py`` and every visitor's results live in the server's session store
(``pages.session_store``), under the visitor's Gradio session.
"""

from __future__ import annotations

import html
import logging
import os
import re
import shutil
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import gradio as gr
import numpy as np

from pages.session_store import DEFAULT_BUDGET_MIB
from t2i_core.assets import SHIPPED_MODEL
from t2i_core.checkpoint import CheckpointError, read_config, training_steps
from t2i_core.model_worker import InProcessModel, ModelProcessError, ModelWorker
from t2i_core.models.registry import INTERACTOR
from t2i_core.pipeline import GenerationResult
from t2i_core.render.attention import AttentionSummary
from t2i_core.render.export import ExportedFiles
from t2i_core.roots import public_path
from t2i_core.unicode_safety import without_lone_surrogates

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CHECKPOINT = SHIPPED_MODEL
SESSION_ROOT = Path(tempfile.gettempdir()) / "text2interact-sessions"
SESSION_TTL_S = 3600   # a visitor's results are freed after an hour unused
# Gradio's own per-session state (launch's state_session_capacity: the oldest go first, whole): only the pages'
# component values now (about 0.45 MiB a session, more with figures), never the results a visitor waits for.
MAX_SESSIONS = 64
SESSION_MEMORY_MIB = DEFAULT_BUDGET_MIB  # the session store's budget for all visitors' results
EXPIRED = ("This session expired (it was idle for an hour, or its memory went to newer visitors): "
           "generate again.")
COMPUTE = "compute"  # the concurrency group of the model's events (generation, reaction): one at a time
SERVER_VIDEO = "server-video"  # the server's MP4 renderer: one at a time, never holding the model's slot
LIGHT_LIMIT = 2      # concurrent light events (figures, files)

log = logging.getLogger("text2interact.app")


@dataclass
class Model:
    """The model this server serves, or why there is none. Its jobs (``t2i_core.model_worker.JOBS``) run in
    the model's own process in the app (``ModelWorker``), in this one elsewhere (``InProcessModel``)."""

    checkpoint: Path
    runner: InProcessModel | ModelWorker | None
    error: str | None = None
    summary: str = ""

    @property
    def ready(self) -> bool:
        return self.runner is not None

    @property
    def max_frames(self) -> int:
        """The longest clip the model makes (frames)."""
        return self.runner.max_frames

    def run(self, job: str, *args, callback=None, **kwargs):
        """``job``'s result; ``callback`` gets its progress (ValueError for bad input, ModelProcessError when the
        model's process died: it is restarted)."""
        return self.runner.run(job, *args, callback=callback, **kwargs)

    def close(self) -> None:
        if self.runner is not None:
            self.runner.close()

    @property
    def public_name(self) -> str:
        """The checkpoint as a visitor may see it: relative to the project, else its folder's name."""
        return public_path(self.checkpoint)


def train_hint(public_name: str) -> str:
    return (f"Train one with `python -m training.train_interactor --data /path/to/InterHuman --config small "
            f"--out {public_name}`, or start the app with `python app.py --checkpoint DIR`.")


def load_model(checkpoint: str | Path, device: str = "cpu", worker: bool = False, threads: int = 1) -> Model:
    """Load the pipeline, in a worker process of its own when ``worker`` (what the app does: the server stays
    responsive while it generates), with ``threads`` torch threads there; a missing or broken checkpoint gives
    a Model with an explanation instead."""
    checkpoint = Path(checkpoint).expanduser().resolve()
    shown = public_path(checkpoint)  # the page and the downloads never show the server's absolute path
    if not checkpoint.exists():
        return Model(checkpoint, None, f"No model checkpoint at `{shown}`. {train_hint(shown)}")
    try:
        payload = read_config(checkpoint, INTERACTOR.name)
        runner = (ModelWorker(checkpoint, device, threads) if worker
                  else InProcessModel.load(checkpoint, device))
    except (CheckpointError, OSError, ValueError, KeyError, RuntimeError) as error:
        log.error("cannot load %s:\n%s", checkpoint, traceback.format_exc())
        reason = str(error).replace(str(checkpoint), shown)
        return Model(checkpoint, None, f"The checkpoint at `{shown}` cannot be loaded: {reason}. {train_hint(shown)}")
    config = payload.get("config", {})
    trained = training_steps(payload)  # over the chain of --init-from runs, not only the last one
    summary = (f"`{shown}` · InterActor ({config.get('num_blocks', '?')} blocks, "
               f"{config.get('latent_dim', '?')}-d, {config.get('conditioning', 'word')} conditioning) on "
               f"{payload.get('text_encoder', config.get('text_encoder', '?'))} tokens")
    if trained is not None:
        steps, runs = trained
        summary += f" · {steps:,} training steps" + (f" in {runs} phases" if runs > 1 else "")
    return Model(checkpoint, runner, None, summary)


@dataclass
class Session:
    """One visitor's results; lives in the session store (``RESULTS``)."""

    result: GenerationResult | None = None   # its .attention is moved to ``attention``, compacted
    attention: AttentionSummary | None = None
    sample: int = 0
    generation: int = 0                       # counts this visitor's generations
    checkpoint: str = ""                      # as a visitor may see it (Model.public_name)
    folder: Path | None = None                # this visitor's download folder
    exports: dict[int, ExportedFiles] = field(default_factory=dict)
    seconds_taken: float = 0.0
    expired: bool = False                     # the store dropped this visitor's earlier results

    def ensure_folder(self) -> Path:
        if self.folder is None or not self.folder.is_dir():
            SESSION_ROOT.mkdir(parents=True, exist_ok=True)
            sweep_session_folders(SESSION_ROOT, SESSION_TTL_S)
            self.folder = Path(tempfile.mkdtemp(prefix="s-", dir=SESSION_ROOT))
        return self.folder

    def sample_folder(self, generation: int, sample: int) -> Path:
        return self.ensure_folder() / f"g{generation}-s{sample}"

    @property
    def joints(self) -> np.ndarray | None:
        return None if self.result is None else self.result.joints[self.sample]

    @property
    def seed(self) -> int:
        return self.result.seeds[self.sample] if self.result is not None else 0

    def cleanup(self) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


def sweep_session_folders(root: Path, age_s: float) -> int:
    """Remove the download folders under ``root`` untouched for ``age_s`` seconds: those of sessions left behind
    by a restart (the store removes the folders of the sessions it drops)."""
    removed, cutoff = 0, time.time() - age_s
    try:
        entries = list(os.scandir(root))
    except OSError:
        return 0
    for entry in entries:
        try:
            if entry.name.startswith("s-") and entry.is_dir(follow_symlinks=False) \
                    and entry.stat(follow_symlinks=False).st_mtime < cutoff:
                shutil.rmtree(entry.path, ignore_errors=True)
                removed += 1
        except OSError:
            continue
    return removed


RESULTS = ("generate", Session)  # the store's kind for a visitor's generated samples (SessionStore.bind)


# -- messages ------------------------------------------------------------------------------------
def message(kind: str, text: str) -> str:
    """A status line for a ``gr.Markdown``: kind is "ok", "info", "warn" or "error"."""
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", without_lone_surrogates(text))
    return f'<div class="t2i-msg t2i-{kind}">{text}</div>'


def escape(text: str) -> str:
    """``text`` for a page: HTML-escaped, lone surrogates replaced (they would break the page's stream)."""
    return html.escape(without_lone_surrogates(str(text)), quote=False)


def unexpected(error: BaseException, what: str) -> gr.Error:
    """A short user-facing error for a bug; the traceback goes to the server log only. The model's process
    dying (it is restarted) is said as it is."""
    if isinstance(error, ModelProcessError):
        log.error("%s failed: %s", what, error)
        return gr.Error(f"{what} failed: {error}.", print_exception=False)
    log.error("%s failed:\n%s", what, "".join(traceback.format_exception(error)))
    return gr.Error(f"{what} failed ({type(error).__name__}); the details are in the server log.",
                    print_exception=False)


# Under a viewer that offers its ⏺ Video button (viewer.html records the canvas in the browser).
BROWSER_VIDEO_HINT = ("**Video:** press <b>⏺ Video</b> under the viewer: your browser records what the viewer shows "
                      "while the clip plays once (MP4, or WebM where the browser cannot make MP4).")


CSS = """
.t2i-msg { padding: 8px 12px; border-radius: 8px; margin: 2px 0; line-height: 1.4; border-left-width: 4px !important; }
.t2i-ok { background: #ecfdf5; color: #065f46; border: 1px solid #a7f3d0; }
.t2i-info { background: #eff6ff; color: #1e3a8a; border: 1px solid #bfdbfe; }
.t2i-warn { background: #fffbeb; color: #92400e; border: 1px solid #fde68a; }
.t2i-error { background: #fef2f2; color: #991b1b; border: 1px solid #fecaca; }
.t2i-msg code { display: inline; white-space: normal; font-size: 0.9em; padding: 1px 4px; }
#dice-button { max-width: 56px; min-width: 56px; font-size: 24px; align-self: stretch; }
"""


def download_buttons(prefix: str) -> list:
    """The downloads of a sample (npz, one BVH per person, settings JSON) in one row; elem ids ``<prefix>-...``."""
    with gr.Row():
        return [gr.DownloadButton(label, interactive=False, elem_id=f"{prefix}-{name}", size="sm")
                for name, label in (("npz", "Motion (.npz)"), ("bvh1", "BVH person 1"), ("bvh2", "BVH person 2"),
                                    ("json", "Settings (.json)"))]
