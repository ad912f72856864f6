import sqlite3
import threading

import pytest

from t2i_core.study.store import SCHEMA_VERSION, StoreError, VoteStore


def test_a_new_database_is_wal_and_versioned(tmp_path):
    store = VoteStore(tmp_path / "sub" / "votes.sqlite")
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_vote_is_stored_with_sides_and_time_and_counted_once(tmp_path):
    store = VoteStore(tmp_path / "votes.sqlite")
    first = store.record("s", "r1", "t1", {"text": "left", "motion": "tie"}, "a", "b")
    assert first.new == ("text", "motion") and first.duplicate == ()
    again = store.record("s", "r1", "t1", {"text": "right", "motion": "right"}, "a", "b")
    assert again.new == () and again.duplicate == ("text", "motion")
    votes = store.votes("s")
    assert len(votes) == 2 and list(votes.choice) == ["left", "tie"]  # the first vote is the one kept
    assert set(votes.left) == {"a"} and set(votes.right) == {"b"} and votes.time[0].endswith("Z")
    assert store.answered("s", "r1") == {"t1": {"text", "motion"}}
    assert VoteStore(store.path).count("s") == 2  # reopening keeps everything


def test_bad_choices_write_nothing(tmp_path):
    store = VoteStore(tmp_path / "votes.sqlite")
    with pytest.raises(ValueError, match="choices must be one of left, right, tie"):
        store.record("s", "r1", "t1", {"text": "left", "motion": "up"}, "a", "b")
    assert store.count("s") == 0


def test_a_corrupt_or_foreign_file_is_refused_and_left_untouched(tmp_path):
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database at all " * 200)
    before = junk.read_bytes()
    with pytest.raises(StoreError, match="not a readable SQLite database.*left untouched"):
        VoteStore(junk)
    assert junk.read_bytes() == before
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE things (x)")
    with pytest.raises(StoreError, match="not a study vote database"):
        VoteStore(other)


def test_reset_erases_one_study_only(tmp_path):
    store = VoteStore(tmp_path / "votes.sqlite")
    store.record("s", "r1", "t1", {"text": "left"}, "a", "b")
    store.record("other", "r1", "t1", {"text": "left"}, "a", "b")
    assert store.reset("s") == 1 and store.count("s") == 0 and store.count("other") == 1


def test_threads_voting_at_once_lose_and_duplicate_nothing(tmp_path):
    store = VoteStore(tmp_path / "votes.sqlite")

    def rater(i):
        for t in range(5):
            for _ in range(2):  # every vote sent twice
                store.record("s", f"r{i}", f"t{t}", {"text": "left", "motion": "right"}, "a", "b")

    threads = [threading.Thread(target=rater, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    votes = store.votes("s")
    assert len(votes) == 20 * 5 * 2
    assert not votes.duplicated(["rater", "trial", "question"]).any()
