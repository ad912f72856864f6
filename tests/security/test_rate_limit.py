"""Votes per client address and minute, through the running server: one client cannot pour votes
in under many rater ids; a refused vote says why and stores nothing; the operator sees the limit
and how many were refused."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pages.study import DEFAULT_STUDY
from t2i_core.study.prepared import PreparedStudy
from t2i_core.study.store import VoteStore
from tests.browser import REPO, call_event, running_app

STUDY = PreparedStudy.load(DEFAULT_STUDY)
LIMIT = 3
TOKEN = "operator-token-rate"


@pytest.fixture(scope="module")
def limited_app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rate-limit")
    with running_app("--checkpoint", str(folder / "no-model"), "--study-db", str(folder / "votes.sqlite"),
                     "--votes-per-minute", str(LIMIT), env={"T2I_STUDY_TOKEN": TOKEN}) as url:
        yield url, folder / "votes.sqlite"


def test_one_address_under_many_rater_ids_gets_the_limit_and_no_more(limited_app):
    url, db = limited_app
    statuses = [call_event(url, "study_vote", [f"sock{i}", STUDY.trials[0].id, "left", "right"])[0]
                for i in range(LIMIT + 4)]
    assert sum("Vote saved" in s for s in statuses) == LIMIT
    refused = [s for s in statuses if "Too many votes" in s]
    assert len(refused) == 4
    assert f"at most {LIMIT} a minute" in refused[0] and "Nothing was recorded" in refused[0]
    votes = VoteStore(db).votes(STUDY.name)
    assert sorted(set(votes.rater)) == [f"sock{i}" for i in range(LIMIT)]
    assert len(votes) == 2 * LIMIT

    # The operator's results say the limit and how many votes it refused.
    results = call_event(url, "study_results", [TOKEN])[1]
    assert f"limited to {LIMIT} per client address and minute; 4 refused" in results
    # A half-answered submit is not counted against the rater (it is refused before the limit).
    assert "Answer both questions" in call_event(url, "study_vote", ["late", STUDY.trials[0].id, "left", None])[0]
    assert "4 refused" in call_event(url, "study_results", [TOKEN])[1]


def test_the_limit_is_a_command_line_flag_that_refuses_nonsense():
    done = subprocess.run([sys.executable, str(REPO / "app.py"), "--votes-per-minute", "-5"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    assert "--votes-per-minute must be 0 (no limit) or more, got -5" in done.stderr
