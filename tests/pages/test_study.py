"""The User study tab: a rater voting in a real browser, the operator's results behind the token,
50 concurrent voters through the running server, and a killed server keeping acknowledged votes."""

from __future__ import annotations

import csv
import http.client
import json
import threading
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from playwright.sync_api import expect

from pages.study import DEFAULT_STUDY, open_study, start, vote
from t2i_core.study.prepared import PreparedStudy
from t2i_core.study.store import VoteStore
from t2i_core.study.trials import CHOICE_LABELS, QUESTIONS, arrangement, gold_answer
from tests.browser import app_process, running_app
from tests.pages.conftest import TIMEOUT, screenshot, wait_for_frame_change
from tests.study.reference import binomial_two_sided, wilson

TOKEN = "operator-secret-123"
STUDY = PreparedStudy.load(DEFAULT_STUDY)
PAIR_TRIALS = [t for t in STUDY.trials if not t.gold]


@pytest.fixture(scope="module")
def study_app(checkpoint, tmp_path_factory):
    db = tmp_path_factory.mktemp("study") / "votes.sqlite"
    # every test client is 127.0.0.1: the per-address vote limit is tested in tests/security/test_rate_limit.py
    with running_app("--checkpoint", str(checkpoint), "--study-db", str(db), "--votes-per-minute", "0",
                     env={"T2I_STUDY_TOKEN": TOKEN}) as url:
        yield url, db


def open_study_tab(page, url):
    page.goto(url)
    page.get_by_role("tab", name="User study").click()
    expect(page.locator("#study-progress")).to_contain_text("Trial", timeout=TIMEOUT)


def field(page, element_id: str) -> str:
    return page.locator(f"#{element_id} textarea, #{element_id} input").first.input_value()


def answer_and_submit(page, text: str, motion: str) -> None:
    page.locator("#study-q-text label", has_text=text).click()
    page.locator("#study-q-motion label", has_text=motion).click()
    page.locator("#study-vote").click()


def rater_votes(db: Path, rater: str):
    votes = VoteStore(db).votes(STUDY.name)
    return votes[votes.rater == rater]


def test_a_rater_votes_through_the_study(browser, study_app, shots):
    url, db = study_app
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        open_study_tab(page, url)
        expect(page.locator("#study-progress")).to_have_text(f"Trial 1 of {len(STUDY.trials)}")
        assert page.locator("#study-prompt").inner_text().strip("“” \n") in STUDY.prompts
        # Both clips start together and play.
        for side in ("left", "right"):
            body = page.frame_locator(f"#study-{side}-frame").locator("body")
            expect(body).to_have_attribute("data-playing", "1", timeout=TIMEOUT)
        first, later = wait_for_frame_change(page, "study-left-frame")
        assert later != first
        content = page.content()
        assert not [name for name in STUDY.systems if name in content]  # system names never reach the page
        screenshot(page, shots, "study_rater")
        rater, trial_id = field(page, "study-rater"), field(page, "study-trial")
        assert rater and trial_id

        answer_and_submit(page, "Left", "Both equally")
        expect(page.locator("#study-progress")).to_have_text(f"Trial 2 of {len(STUDY.trials)}", timeout=TIMEOUT)
        expect(page.locator("#study-status")).to_contain_text("Vote saved")
        assert field(page, "study-trial") != trial_id
        votes = rater_votes(db, rater)
        assert sorted(zip(votes.question, votes.choice)) == [("motion", "tie"), ("text", "left")]
        trial = STUDY.trial(trial_id)
        left, right = arrangement(trial, rater, STUDY.salt)
        assert set(votes.trial) == {trial_id} and set(votes.left) == {left} and set(votes.right) == {right}
        assert set(votes.gold_answer.fillna("none")) == {gold_answer(left, right) or "none"}

        # The rater id is kept by the browser: a reload continues at trial 2.
        open_study_tab(page, url)
        expect(page.locator("#study-progress")).to_have_text(f"Trial 2 of {len(STUDY.trials)}", timeout=TIMEOUT)
        assert field(page, "study-rater") == rater
    finally:
        context.close()
    assert not errors, errors


def test_a_second_vote_on_a_trial_is_not_counted_twice(browser, study_app):
    url, db = study_app
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    try:
        first, second = context.new_page(), context.new_page()  # the same browser: one rater, two tabs
        open_study_tab(first, url)
        open_study_tab(second, url)
        rater, trial_id = field(first, "study-rater"), field(first, "study-trial")
        assert field(second, "study-rater") == rater and field(second, "study-trial") == trial_id
        answer_and_submit(first, "Right", "Right")
        expect(first.locator("#study-status")).to_contain_text("Vote saved", timeout=TIMEOUT)
        answer_and_submit(second, "Left", "Left")
        expect(second.locator("#study-status")).to_contain_text("already voted", timeout=TIMEOUT)
        votes = rater_votes(db, rater)
        assert len(votes) == 2 and set(votes.choice) == {"right"} and set(votes.trial) == {trial_id}
    finally:
        context.close()



def selected(page, question: str) -> list[str]:
    """The labels ticked on one question's radio (none on a fresh trial)."""
    return [label.inner_text().strip() for label in page.locator(f"#study-q-{question} label").all()
            if label.locator("input").is_checked()]


LABEL_CHOICE = {label: choice for choice, label in CHOICE_LABELS.items()}
# Per trial, the rater's attempts in order: which labels they click before pressing Submit. Only the last
# attempt answers both questions; the others are refused and must store nothing.
VOTING_PLAN = [
    [{"text": "Left", "motion": "Left"}],                                  # both at once
    [{"text": "Right"}, {"motion": "Both equally"}],                       # one, then the other
    [{}, {"motion": "Right"}, {"text": "Both equally"}],                  # neither, one, both
    [{"motion": "Left"}, {"text": "Left", "motion": "Right"}],             # changes an answer before submitting
    [{"text": "Both equally", "motion": "Both equally"}],
]


def test_every_trial_opens_blank_and_the_database_holds_exactly_what_was_clicked(browser, study_app):
    url, db = study_app
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        open_study_tab(page, url)
        rater = field(page, "study-rater")
        expected: dict[tuple[str, str], str] = {}
        for number, attempts in enumerate(VOTING_PLAN, start=1):
            expect(page.locator("#study-progress")).to_have_text(f"Trial {number} of {len(STUDY.trials)}",
                                                                 timeout=TIMEOUT)
            trial_id = field(page, "study-trial")
            assert {q: selected(page, q) for q in QUESTIONS} == {q: [] for q in QUESTIONS}, f"trial {number}"
            ticked: dict[str, str] = {}
            for attempt, clicks in enumerate(attempts):
                for question, label in clicks.items():
                    page.locator(f"#study-q-{question} label", has_text=label).click()
                    ticked[question] = label
                assert {q: selected(page, q) for q in QUESTIONS} == {q: [ticked[q]] if q in ticked else []
                                                                     for q in QUESTIONS}
                page.locator("#study-vote").click()
                if attempt < len(attempts) - 1:  # refused: says which question is missing, stores nothing
                    missing = " ".join(text for q, text in QUESTIONS.items() if q not in ticked)
                    expect(page.locator("#study-status")).to_have_text(f"Answer both questions first: {missing}",
                                                                       timeout=TIMEOUT)
                    assert field(page, "study-trial") == trial_id
            expect(page.locator("#study-progress")).to_have_text(f"Trial {number + 1} of {len(STUDY.trials)}",
                                                                 timeout=TIMEOUT)
            expect(page.locator("#study-status")).to_contain_text("Vote saved")
            expected.update({(trial_id, q): LABEL_CHOICE[label] for q, label in ticked.items()})
            votes = rater_votes(db, rater)
            assert dict(zip(zip(votes.trial, votes.question), votes.choice)) == expected
            assert len(votes) == 2 * number
    finally:
        context.close()
    assert not errors, errors




def operator(page, token: str | None):
    page.locator("#study-operator").get_by_text("Operator: results, export, reset").click()
    if token is not None:
        page.locator("#study-token input").fill(token)


def test_the_results_show_the_counts_and_intervals_of_known_votes(browser, study_app, shots):
    url, db = study_app
    context = browser.new_context(viewport={"width": 1400, "height": 1400})
    page = context.new_page()
    try:
        open_study_tab(page, url)
        operator(page, TOKEN)
        page.locator("#study-reset-confirm input").check()
        page.locator("#study-reset").click()
        expect(page.locator("#study-op-status")).to_contain_text("Erased", timeout=TIMEOUT)
        assert VoteStore(db).count(STUDY.name) == 0

        store, trial = VoteStore(db), PAIR_TRIALS[0]
        a, b = sorted((trial.a, trial.b))
        gold = next(t for t in STUDY.trials if t.gold)
        # text: a wins 8, b wins 3, 1 tie; motion: a wins 2, b wins 9. Sides alternate.
        plan = [("text", a)] * 8 + [("text", b)] * 3 + [("text", None)] + [("motion", a)] * 2 + [("motion", b)] * 9
        for i, (question, winner) in enumerate(plan):
            left, right = (a, b) if i % 2 else (b, a)
            choice = "tie" if winner is None else ("left" if winner == left else "right")
            store.record(STUDY.name, f"known{i}", trial.id, {question: choice}, left, right)
        # A careless rater: fails the gold trial, and their pair votes must not count.
        store.record(STUDY.name, "careless", gold.id, {"text": "right", "motion": "right"}, gold.a, gold.b, "left")
        store.record(STUDY.name, "careless", trial.id, {"text": "right", "motion": "right"}, a, b)

        page.locator("#study-show").click()
        table = page.locator("#study-pairs")
        expect(table).to_be_visible(timeout=TIMEOUT)
        rows = {r.locator("td").nth(0).inner_text(): [c.inner_text() for c in r.locator("td").all()]
                for r in table.locator("tbody tr").all()}
        low, high = wilson(8, 11)
        assert rows["text"] == ["text", f"{a} vs {b}", "8 : 3", "1", f"{8 / 11:.3f}", f"[{low:.3f}, {high:.3f}]",
                                f"{binomial_two_sided(8, 11):.4f}"]
        low, high = wilson(2, 11)
        assert rows["motion"][2:] == ["2 : 9", "0", f"{2 / 11:.3f}", f"[{low:.3f}, {high:.3f}]",
                                      f"{binomial_two_sided(2, 11):.4f}"]
        expect(page.locator("#study-excluded")).to_contain_text("careless")
        expect(page.locator("#study-plot .js-plotly-plot")).to_be_visible(timeout=TIMEOUT)
        screenshot(page, shots, "study_results")
    finally:
        context.close()


def test_a_visitor_without_the_token_cannot_read_or_export(browser, study_app, tmp_path):
    url, db = study_app
    context = browser.new_context(viewport={"width": 1400, "height": 1200}, accept_downloads=True)
    page = context.new_page()
    try:
        open_study_tab(page, url)
        operator(page, None)
        for token in (None, "guess"):
            if token is not None:
                page.locator("#study-token input").fill(token)
            page.locator("#study-export").click()
            expect(page.locator("#study-op-status")).to_contain_text("Wrong operator token", timeout=TIMEOUT)
            expect(page.locator("#study-csv")).to_be_hidden()
            page.locator("#study-show").click()
            expect(page.locator("#study-op-status")).to_contain_text("Wrong operator token", timeout=TIMEOUT)
            expect(page.locator("#study-pairs")).to_have_count(0)
        page.locator("#study-reset-confirm input").check()
        before = VoteStore(db).count(STUDY.name)
        page.locator("#study-reset").click()
        expect(page.locator("#study-op-status")).to_contain_text("Wrong operator token", timeout=TIMEOUT)
        assert VoteStore(db).count(STUDY.name) == before

        # With the token the raw votes come out as CSV, one row per stored vote.
        page.locator("#study-token input").fill(TOKEN)
        page.locator("#study-export").click()
        link = page.locator("#study-csv a").first
        expect(link).to_be_visible(timeout=TIMEOUT)
        with page.expect_download(timeout=TIMEOUT) as info:
            link.click()
        target = tmp_path / info.value.suggested_filename
        info.value.save_as(target)
        with target.open() as handle:
            rows = list(csv.DictReader(handle))
        assert len(rows) == VoteStore(db).count(STUDY.name)
        assert {"rater", "trial", "question", "choice", "left", "right", "time"} <= set(rows[0])
    finally:
        context.close()


def post_vote(url: str, rater: str, trial: str, text: str, motion: str) -> str:
    """One vote through the server's HTTP API (what any client does); returns the status it answered."""
    body = json.dumps({"data": [rater, trial, text, motion]}).encode()
    request = urllib.request.Request(f"{url}gradio_api/call/study_vote", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=300) as response:
        event = json.loads(response.read())["event_id"]
    with urllib.request.urlopen(f"{url}gradio_api/call/study_vote/{event}", timeout=300) as response:
        lines = response.read().decode().splitlines()
    for kind, data in zip(lines, lines[1:]):
        if kind == "event: complete":
            return json.loads(data.removeprefix("data: "))[0]
    raise RuntimeError(f"the vote was not acknowledged: {lines[:4]}")


def _cast(url: str, rater: str, trials: list[str], choices: tuple[str, str], repeats: int = 2) -> list[str]:
    # every vote is sent twice: the second must not count
    return [post_vote(url, rater, trial, *choices) for trial in trials for _ in range(repeats)]


def test_fifty_concurrent_voters_lose_and_duplicate_nothing(study_app):
    url, db = study_app
    trials = [t.id for t in STUDY.trials[:3]]
    options = [("left", "right"), ("tie", "left"), ("right", "tie")]
    with ThreadPoolExecutor(max_workers=50) as pool:
        futures = {i: pool.submit(_cast, url, f"load{i:02d}", trials, options[i % 3]) for i in range(50)}
        statuses = {i: f.result(timeout=600) for i, f in futures.items()}
    votes = VoteStore(db).votes(STUDY.name)
    votes = votes[votes.rater.str.startswith("load")]
    assert len(votes) == 50 * 3 * 2
    assert not votes.duplicated(["rater", "trial", "question"]).any()
    for i in range(50):
        mine = votes[votes.rater == f"load{i:02d}"]
        assert set(mine.trial) == set(trials)
        assert set(mine[mine.question == "text"].choice) == {options[i % 3][0]}
        assert set(mine[mine.question == "motion"].choice) == {options[i % 3][1]}
        assert sum("Vote saved" in s for s in statuses[i]) == 3
        assert sum("already voted" in s for s in statuses[i]) == 3


def test_a_killed_server_keeps_every_acknowledged_vote(checkpoint, tmp_path):
    db = tmp_path / "votes.sqlite"
    acknowledged: list[tuple[str, str]] = []
    lock, enough = threading.Lock(), threading.Event()

    def voter(url, rater):
        for trial in STUDY.trials:
            try:
                status = post_vote(url, rater, trial.id, "left", "right")
            except (OSError, http.client.HTTPException):  # the server is gone
                return
            assert "Vote saved" in status
            with lock:
                acknowledged.append((rater, trial.id))
                if len(acknowledged) >= 12:
                    enough.set()

    with app_process("--checkpoint", str(checkpoint), "--study-db", str(db), "--votes-per-minute", "0") as (process,
                                                                                                        url):
        threads = [threading.Thread(target=voter, args=(url, f"k{i}")) for i in range(4)]
        for thread in threads:
            thread.start()
        assert enough.wait(timeout=300)
        process.kill()  # SIGKILL: no shutdown, no flush
        process.wait(timeout=30)
        for thread in threads:
            thread.join(timeout=120)
    with lock:
        done = set(acknowledged)
    stored = VoteStore(db).votes(STUDY.name)
    pairs = set(zip(stored.rater, stored.trial))
    assert done <= pairs
    assert len(stored) == 2 * len(pairs)  # both questions of every stored trial, nothing half-written


def test_a_corrupt_database_closes_the_study_without_touching_the_file(tmp_path):
    db = tmp_path / "votes.sqlite"
    db.write_bytes(b"\x00garbage" * 500)
    before = db.read_bytes()
    server = open_study(DEFAULT_STUDY, db, token=TOKEN)
    assert not server.ready and "cannot be read" in server.error
    assert str(tmp_path) not in server.error  # never a server path on the page
    outputs = start(server, "")
    assert "cannot be read" in outputs[4]  # the progress line says why
    assert "cannot be read" in vote(server, "r1", STUDY.trials[0].id, "left", "left")[0]
    assert db.read_bytes() == before


def test_a_vote_for_a_trial_that_does_not_exist_records_nothing(tmp_path):
    server = open_study(DEFAULT_STUDY, tmp_path / "votes.sqlite", token=TOKEN)
    status = vote(server, "r1", "t999", "left", "left")[0]
    assert "no trial" in status and server.store.count(STUDY.name) == 0
    assert "Answer both questions" in vote(server, "r1", STUDY.trials[0].id, "left", None)[0]
    assert server.store.count(STUDY.name) == 0
