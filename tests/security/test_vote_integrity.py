"""A vote stores exactly what the rater chose, through the running server as any client sends it:
every reply clears both answers (the next trial never opens with an old answer ticked), a partial
or forged vote stores nothing, and what is stored is the choice sent, on the trial sent."""

from __future__ import annotations

import pytest

from pages.study import DEFAULT_STUDY
from t2i_core.study.prepared import PreparedStudy
from t2i_core.study.store import VoteStore
from t2i_core.study.trials import QUESTIONS
from tests.browser import EventError, call_event, running_app

STUDY = PreparedStudy.load(DEFAULT_STUDY)
ANSWERS = slice(6, 6 + len(QUESTIONS))  # outputs: status, trial, progress, prompt, left, right, *answers, button
START = 2  # study_start's outputs: stored rater id, rater id, then a vote's outputs


@pytest.fixture(scope="module")
def study_app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("vote-integrity")
    # No model: the study does not need one, and the app starts faster.
    with running_app("--checkpoint", str(folder / "no-model"), "--study-db", str(folder / "votes.sqlite"),
                     "--votes-per-minute", "0") as url:
        yield url, folder / "votes.sqlite"


def stored(db, rater: str) -> dict[tuple[str, str], str]:
    votes = VoteStore(db).votes(STUDY.name)
    votes = votes[votes.rater == rater]
    return dict(zip(zip(votes.trial, votes.question), votes.choice))


def cleared(update) -> bool:
    return isinstance(update, dict) and "value" in update and update["value"] is None


def test_every_reply_that_shows_a_trial_clears_every_answer(study_app):
    url, db = study_app
    outputs = call_event(url, "study_start", [""])
    rater, trial = outputs[1], outputs[START + 1]
    assert all(cleared(update) for update in outputs[START + ANSWERS.start:START + ANSWERS.stop]), outputs[-3:]
    expected = {}
    for answers in [("left", "left"), ("right", "tie"), ("tie", "right"), ("left", "right")]:
        outputs = call_event(url, "study_vote", [rater, trial, *answers])
        assert "Vote saved" in outputs[0]
        assert all(cleared(update) for update in outputs[ANSWERS]), outputs[ANSWERS]
        expected.update({(trial, q): a for q, a in zip(QUESTIONS, answers)})
        assert stored(db, rater) == expected
        assert outputs[1] != trial
        trial = outputs[1]


@pytest.mark.parametrize("case, answers", list(enumerate([("left", None), (None, "right"), (None, None)])))
def test_a_vote_missing_an_answer_stores_nothing(study_app, case, answers):
    url, db = study_app
    rater = f"partial{case}"
    outputs = call_event(url, "study_vote", [rater, STUDY.trials[0].id, *answers])
    assert "Answer both questions first" in outputs[0]
    assert stored(db, rater) == {}


@pytest.mark.parametrize("case, answers", list(enumerate([("both", "left"), ("left", "LEFT"), ("", "left"),
                                                          ("left", "left; DROP TABLE votes")])))
def test_a_choice_outside_the_offered_ones_stores_nothing(study_app, case, answers):
    url, db = study_app
    rater = f"forged{case}"
    try:
        status = call_event(url, "study_vote", [rater, STUDY.trials[0].id, *answers])[0]
        assert "Answer both questions first" in status
    except EventError as error:  # Gradio's own check of a radio's choices answers first
        assert "Traceback" not in str(error) and "/" not in str(error or "")
    assert stored(db, rater) == {}


@pytest.mark.parametrize("rater", ["", "a b", "x" * 65, "../../etc", "r\u00e9"])
def test_a_malformed_rater_id_stores_nothing(study_app, rater):
    url, db = study_app
    before = VoteStore(db).count(STUDY.name)
    outputs = call_event(url, "study_vote", [rater, STUDY.trials[0].id, "left", "left"])
    assert "no rater id" in outputs[0]
    assert VoteStore(db).count(STUDY.name) == before


def test_a_vote_on_an_unknown_trial_stores_nothing(study_app):
    url, db = study_app
    outputs = call_event(url, "study_vote", ["ghost", "t-does-not-exist", "left", "left"])
    assert "nothing was recorded" in outputs[0]
    assert stored(db, "ghost") == {}
