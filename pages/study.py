"""The User study tab: blind A/B trials for raters, results for the operator (behind a token).

A rater sees two clips of the same prompt side by side, started together and looping, answers the
paper's two questions (left / right / both equally) and gets the next trial at once. System names
never reach the page: a trial is an opaque id, and which clip is on which side is decided on the
server from the rater and the trial (and stored with the vote). The rater id lives in the
browser's localStorage, so a reload continues where the rater stopped.

Results, CSV export and reset need the token in ``$T2I_STUDY_TOKEN``: without it set, nobody can
read or erase the votes through the app (``python -m training.study results`` still can).
"""

from __future__ import annotations

import hmac
import logging
import os
import re
import secrets
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import gradio as gr

from pages.common import escape, message, unexpected
from t2i_core.assets import DEMO_STUDY
from t2i_core.data.clips import default_cache_dir
from t2i_core.io import atomic_write_text
from t2i_core.render.figures import empty_figure
from t2i_core.render.playback import playback_data
from t2i_core.render.viewer import viewer_html, viewer_iframe
from t2i_core.study.limits import DEFAULT_VOTES_PER_MINUTE, VoteLimiter
from t2i_core.study.prepared import PreparedStudy, StudyFolderError
from t2i_core.study.report import pair_rows, win_rate_figure
from t2i_core.study.stats import study_results
from t2i_core.study.store import StoreError, VoteStore
from t2i_core.study.trials import CHOICE_LABELS, CHOICES, QUESTIONS, Trial, arrangement, gold_answer, rater_order

REPO = Path(__file__).resolve().parents[1]
DEFAULT_STUDY = DEMO_STUDY
DEFAULT_DB = default_cache_dir().parent / "study" / "votes.sqlite"
TOKEN_ENV = "T2I_STUDY_TOKEN"
STUDY_GROUP = "study"      # concurrency group of the study's events: votes are light, many at once
STUDY_LIMIT = 4
VIEWER_HEIGHT = 400
RATER_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# The rater id is not a secret (encryption only keeps it from being edited by hand); a fixed key keeps
# it readable after a server restart, so a rater's progress survives one.
RATER_SECRET = "text2interact-study-rater"

log = logging.getLogger("text2interact.app")

# Starts the two viewers of a trial together: each posts its first frame when it has loaded; when
# both of the same trial (same key) have, both are told to play.
SYNC_VIEWERS_HEAD = """<script>
(() => {
  const ready = {};
  window.addEventListener('message', (event) => {
    const m = event.data || {};
    const match = /^study-(left|right):(.+)$/.exec(m.type === 't2i-frame' ? (m.viewer || '') : '');
    if (!match) return;
    const entry = ready[match[2]] = ready[match[2]] || { sides: new Set(), started: false };
    entry.sides.add(match[1]);
    if (entry.started || entry.sides.size < 2) return;
    entry.started = true;
    for (const id of ['study-left-frame', 'study-right-frame']) {
      const frame = document.getElementById(id);
      if (frame && frame.contentWindow) frame.contentWindow.postMessage({ type: 't2i-play' }, '*');
    }
  });
})();
</script>"""


@dataclass
class StudyServer:
    """The study this server runs and its vote store, or why there is none."""

    study: PreparedStudy | None
    store: VoteStore | None
    error: str | None = None
    token: str | None = None     # the operator token; None disables the operator's actions
    limiter: VoteLimiter = field(default_factory=VoteLimiter)  # votes per client address and minute

    @property
    def ready(self) -> bool:
        return self.study is not None and self.store is not None


def open_study(study_dir: str | Path = DEFAULT_STUDY, db_path: str | Path = DEFAULT_DB,
               token: str | None = None, votes_per_minute: int = DEFAULT_VOTES_PER_MINUTE) -> StudyServer:
    """Load the prepared study and open (or create) the vote database; errors become a message."""
    token = token if token is not None else os.environ.get(TOKEN_ENV) or None
    limiter = VoteLimiter(votes_per_minute)
    try:
        study = PreparedStudy.load(study_dir)
    except StudyFolderError as error:
        log.error("user study unavailable: %s", error)
        return StudyServer(None, None, "The user study is not available: its prepared folder is missing or "
                                       "damaged (the server log says which and how to rebuild it).", token, limiter)
    try:
        store = VoteStore(db_path)
    except StoreError as error:
        log.error("user study unavailable: %s", error)
        return StudyServer(study, None, "The user study is closed: its vote database cannot be read, so no vote "
                                        "is taken. The file was left as it was; the server log says which one.",
                           token, limiter)
    return StudyServer(study, store, None, token, limiter)


# -- the rater's page ----------------------------------------------------------------------------
def _remaining(server: StudyServer, rater: str) -> tuple[list[Trial], int]:
    """The trials this rater still has to answer, in their order, and how many they finished."""
    answered = server.store.answered(server.study.name, rater)
    done = {trial for trial, questions in answered.items() if set(QUESTIONS) <= questions}
    order = rater_order(list(server.study.trials), rater, server.study.salt)
    return [t for t in order if t.id not in done], len(done)


def _viewer(server: StudyServer, trial: Trial, label: str, side: str, key: str) -> str:
    data = playback_data(server.study.joints(label, trial), server.study.fps, f"{side.capitalize()} clip")
    page = viewer_html(data, autoplay=False, viewer_id=f"study-{side}:{key}")
    return viewer_iframe(page, VIEWER_HEIGHT, f"study-{side}-frame", f"{side} clip")


def _trial_view(server: StudyServer, rater: str):
    """Outputs: trial id, progress, prompt, left viewer, right viewer, the two answers (cleared), vote button."""
    remaining, done = _remaining(server, rater)
    total = len(server.study.trials)
    # One update per question: Gradio consumes an update dict as it applies it, so a single dict repeated
    # for every radio clears only the first (the next trial then opened with the old answers ticked).
    cleared = [gr.update(value=None, interactive=bool(remaining)) for _ in QUESTIONS]
    if not remaining:
        thanks = message("ok", f"You have answered all {total} trials. Thank you!")
        return "", thanks, "", "", "", *cleared, gr.update(interactive=False)
    trial = remaining[0]
    left, right = arrangement(trial, rater, server.study.salt)
    key = secrets.token_hex(4)  # a new key per showing, so the two viewers start together every time
    progress = f"**Trial {done + 1} of {total}**"
    prompt = f"### “{escape(server.study.prompts[trial.prompt])}”"
    return (trial.id, progress, prompt, _viewer(server, trial, left, "left", key),
            _viewer(server, trial, right, "right", key), *cleared, gr.update(interactive=True))


def _closed(server: StudyServer):
    note = message("error", escape(server.error or "The user study is not available."))
    return "", note, "", "", "", *[gr.update(value=None, interactive=False) for _ in QUESTIONS], \
        gr.update(interactive=False)


def start(server: StudyServer, stored: str | None):
    """On page load: this browser's rater id (a new one the first time), then their next trial."""
    rater = stored if isinstance(stored, str) and RATER_PATTERN.match(stored) else secrets.token_hex(8)
    if not server.ready:
        return rater, rater, "", *_closed(server)
    try:
        return rater, rater, "", *_trial_view(server, rater)
    except Exception as error:
        raise unexpected(error, "Loading the next trial") from error


def vote(server: StudyServer, rater: str, trial_id: str, *answers, address: str | None = None):
    """Record one trial's answers (one transaction), then show the next trial at once.

    ``address`` is the client's network address, counted against the votes-per-minute limit (None:
    not limited, for callers inside the server)."""
    keep = [gr.skip()] * (6 + len(QUESTIONS))
    if not server.ready:
        return message("error", escape(server.error or "The user study is not available.")), *keep
    if not isinstance(rater, str) or not RATER_PATTERN.match(rater):
        return message("error", "This browser has no rater id yet; reload the page."), *keep
    missing = [QUESTIONS[q] for q, a in zip(QUESTIONS, answers) if a not in CHOICES]
    if missing:
        gr.Warning("Answer both questions first.")
        return message("warn", "Answer both questions first: " + escape(" ".join(missing))), *keep
    if address is not None and not server.limiter.allow(address):
        text = (f"Too many votes from your network address: at most {server.limiter.per_minute} a minute. "
                "Nothing was recorded; wait a little and press Submit again (your answers are kept).")
        gr.Warning(text)
        return message("warn", text), *keep
    try:
        trial = server.study.trial(str(trial_id))
    except KeyError:
        gr.Warning("That trial does not exist in this study; the page shows your next one.")
        return message("error", f"There is no trial {escape(trial_id)!r} in this study; nothing was recorded."), \
            *_trial_view(server, rater)
    left, right = arrangement(trial, rater, server.study.salt)
    try:
        recorded = server.store.record(server.study.name, rater, trial.id, dict(zip(QUESTIONS, answers)), left,
                                       right, gold_answer(left, right))
        view = _trial_view(server, rater)
    except Exception as error:
        raise unexpected(error, "Recording the vote") from error
    if recorded.duplicate and not recorded.new:
        status = message("info", "You had already voted on that trial; your first vote is the one counted.")
    else:
        status = message("ok", "Vote saved.")
    return status, *view


# -- the operator's section ----------------------------------------------------------------------
def _authorised(server: StudyServer, token) -> str | None:
    """None when the token is right, else why not (never which token is expected)."""
    if not server.token:
        return f"Operator actions are disabled on this server: start it with {TOKEN_ENV} set."
    # A lone surrogate cannot be UTF-8 encoded: "surrogatepass" keeps it, so it is just a wrong token.
    if not isinstance(token, str) or not hmac.compare_digest(token.encode("utf-8", "surrogatepass"),
                                                             server.token.encode()):
        return "Wrong operator token: results, export and reset need the operator's token."
    return None


def _tables(results) -> str:
    parts = [f"<p id='study-votes-used'>{results.votes_used} votes used (gold trials and excluded raters left out)."
             "</p>", pair_rows(results).to_html(index=False, table_id="study-pairs", border=0)]
    if results.ranking is not None:
        parts += ["<h4>Bradley-Terry strengths (bootstrap 95% intervals)</h4>",
                  results.ranking.round(3).to_html(index=False, table_id="study-ranking", border=0)]
    parts += ["<h4>Agreement between raters (Fleiss' kappa)</h4>",
              results.agreement.round(3).to_html(index=False, table_id="study-agreement", border=0),
              "<h4>Raters</h4>", results.raters.round(3).to_html(index=False, table_id="study-raters", border=0)]
    excluded = ", ".join(results.excluded) or "none"
    parts.append(f"<p id='study-excluded'>Excluded for failing gold trials: {escape(excluded)}</p>")
    return "\n".join(parts)


def show_results(server: StudyServer, token):
    """Outputs: status, tables, plot."""
    refused = _authorised(server, token)
    if refused:
        return message("error", refused), "", empty_figure("No results shown.")
    if not server.ready:
        return message("error", escape(server.error)), "", empty_figure("No results.")
    try:
        results = study_results(server.store.votes(server.study.name), list(server.study.systems))
        limit = f"<p id='study-limit'>{escape(server.limiter.describe())}</p>\n"
        return message("ok", f"{len(results.raters)} raters."), limit + _tables(results), win_rate_figure(results)
    except Exception as error:
        raise unexpected(error, "Computing the results") from error


def _votes_csv(server: StudyServer, folder: Path, stem: str) -> Path:
    votes = server.store.votes(server.study.name)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return atomic_write_text(folder / f"{server.study.name}-{stem}-{stamp}.csv", votes.to_csv(index=False))


def export_votes(server: StudyServer, token):
    """Outputs: status, the CSV file of the raw votes."""
    refused = _authorised(server, token)
    if refused:
        return message("error", refused), gr.update(value=None, visible=False)
    if not server.ready:
        return message("error", escape(server.error)), gr.update(value=None, visible=False)
    try:
        path = _votes_csv(server, Path(tempfile.mkdtemp(prefix="t2i-study-export-")), "votes")
    except Exception as error:
        raise unexpected(error, "Exporting the votes") from error
    return message("ok", f"Exported {server.store.count(server.study.name)} votes."), \
        gr.update(value=str(path), visible=True)


def reset_votes(server: StudyServer, token, confirmed):
    """Erase this study's votes, after a copy of them is written next to the database."""
    refused = _authorised(server, token)
    if refused:
        return message("error", refused)
    if not server.ready:
        return message("error", escape(server.error))
    if not confirmed:
        return message("warn", "Tick the box to confirm that every vote of this study should be erased.")
    try:
        _votes_csv(server, server.store.path.parent, "erased")
        removed = server.store.reset(server.study.name)
    except Exception as error:
        raise unexpected(error, "Erasing the votes") from error
    return message("ok", f"Erased {removed} votes; a CSV copy of them is kept next to the vote database.")


def rater_state() -> gr.BrowserState:
    """This browser's rater id in localStorage. Create it outside ``gr.Tabs``: a tab that is not shown
    is not mounted, and an unmounted BrowserState neither reads nor writes localStorage."""
    return gr.BrowserState("", storage_key="t2i-study-rater", secret=RATER_SECRET)


def build(server: StudyServer, demo: gr.Blocks, stored: gr.BrowserState) -> None:
    """Add the User study tab to ``demo`` (its load event gives the browser its rater id and first trial)."""
    light = {"concurrency_id": STUDY_GROUP, "concurrency_limit": STUDY_LIMIT, "show_progress": "hidden"}
    with gr.Tab("User study", id="study"):
        rater = gr.Textbox(visible="hidden", elem_id="study-rater", label="rater")
        trial = gr.Textbox(visible="hidden", elem_id="study-trial", label="trial")
        gr.Markdown("Two clips of the same description play side by side. Watch both, then answer the two "
                    "questions. The models behind them are not named, and the sides change from trial to trial.")
        progress = gr.Markdown("", elem_id="study-progress")
        prompt = gr.Markdown("", elem_id="study-prompt")
        with gr.Row(equal_height=True):
            left = gr.HTML("", elem_id="study-left", padding=False)
            right = gr.HTML("", elem_id="study-right", padding=False)
        choices = [(CHOICE_LABELS[c], c) for c in CHOICES]
        answers = [gr.Radio(choices, label=text, elem_id=f"study-q-{q}") for q, text in QUESTIONS.items()]
        submit = gr.Button("Submit and next", variant="primary", elem_id="study-vote")
        status = gr.Markdown("", elem_id="study-status")

        with gr.Accordion("Operator: results, export, reset", open=False, elem_id="study-operator"):
            token = gr.Textbox(type="password", label=f"Operator token (set by {TOKEN_ENV} on the server)",
                               elem_id="study-token")
            with gr.Row():
                show = gr.Button("Show results", elem_id="study-show")
                export = gr.Button("Export votes (CSV)", elem_id="study-export")
            op_status = gr.Markdown("", elem_id="study-op-status")
            tables = gr.HTML("", elem_id="study-results")
            plot = gr.Plot(elem_id="study-plot", show_label=False)
            csv_file = gr.File(label="Raw votes (CSV)", visible=False, elem_id="study-csv", interactive=False)
            with gr.Row():
                confirm = gr.Checkbox(label="Yes, erase every vote of this study", elem_id="study-reset-confirm")
                reset = gr.Button("Erase all votes", variant="stop", elem_id="study-reset")

        view = [trial, progress, prompt, left, right, *answers, submit]
        demo.load(partial(start, server), inputs=[stored], outputs=[stored, rater, status, *view],
                  api_name="study_start", **light)

        def vote_from(request: gr.Request, rater_id, trial_id, *choices):
            """A vote counted against the sending address's limit."""
            address = request.client.host if request is not None and request.client is not None else "unknown"
            return vote(server, rater_id, trial_id, *choices, address=address)

        submit.click(vote_from, inputs=[rater, trial, *answers], outputs=[status, *view],
                     api_name="study_vote", trigger_mode="once", **light)
        show.click(partial(show_results, server), inputs=[token], outputs=[op_status, tables, plot],
                   api_name="study_results", **light)
        export.click(partial(export_votes, server), inputs=[token], outputs=[op_status, csv_file],
                     api_name="study_export", **light)
        reset.click(partial(reset_votes, server), inputs=[token, confirm], outputs=[op_status],
                    api_name="study_reset", **light)
