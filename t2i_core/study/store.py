"""The votes of user studies in one SQLite file (WAL mode, versioned schema, one transaction a vote).

A vote holds the rater, the trial, the question, the choice (left, right or tie), what was shown
on each side and when; ``UNIQUE(study, rater, trial, question)`` makes a second vote on the same
trial and question a no-op, so it is counted once. Each call opens its own connection, so the
store can be used from many threads; ``synchronous=FULL`` makes an acknowledged vote survive a
killed server. One more connection stays open for the store's lifetime: when the last connection
to a WAL database closes, SQLite checkpoints and syncs the whole file, which made every vote cost
25 ms and queued concurrent raters behind each other. A file that is not a study database is
refused and never touched.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from t2i_core.study.trials import CHOICES

SCHEMA_VERSION = 1  # PRAGMA user_version; bump with a migration when the schema changes
BUSY_TIMEOUT_S = 30.0
VOTE_COLUMNS = ["study", "rater", "trial", "question", "choice", "left", "right", "gold_answer", "time"]
_SCHEMA = """
CREATE TABLE IF NOT EXISTS votes (
    id          INTEGER PRIMARY KEY,
    study       TEXT NOT NULL,
    rater       TEXT NOT NULL,
    trial       TEXT NOT NULL,
    question    TEXT NOT NULL,
    choice      TEXT NOT NULL CHECK (choice IN ('left', 'right', 'tie')),
    left        TEXT NOT NULL,   -- clip label shown on the left (a system, or a gold variant)
    right       TEXT NOT NULL,
    gold_answer TEXT CHECK (gold_answer IS NULL OR gold_answer IN ('left', 'right')),
    time        TEXT NOT NULL,   -- UTC, ISO 8601
    UNIQUE (study, rater, trial, question)
);
CREATE INDEX IF NOT EXISTS votes_by_rater ON votes (study, rater);
"""


class StoreError(RuntimeError):
    """The vote database cannot be used; the file is left as it was."""


@dataclass(frozen=True)
class Recorded:
    new: tuple[str, ...]        # questions whose vote was stored now
    duplicate: tuple[str, ...]  # questions this rater had already answered on this trial (first vote kept)


class VoteStore:
    def __init__(self, path: str | Path):
        self.path = Path(path).expanduser().resolve()
        self._open_or_create()
        # Held, never used: keeps each call's connection from being the last one (see the module's note).
        self._keeper = sqlite3.connect(self.path, check_same_thread=False)
        self._keeper.execute("SELECT COUNT(*) FROM votes WHERE 0").fetchone()  # opens the file and its WAL

    def close(self) -> None:
        self._keeper.close()

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        connection.execute("PRAGMA synchronous = FULL")
        return connection

    def _open_or_create(self) -> None:
        existed = self.path.is_file() and self.path.stat().st_size > 0
        if not existed:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with closing(self._connect()) as db:
                version = db.execute("PRAGMA user_version").fetchone()[0]
                tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
                if existed:
                    check = db.execute("PRAGMA quick_check").fetchone()[0]
                    if check != "ok":
                        raise StoreError(f"{self.path} is damaged (SQLite integrity check: {check})")
                if version == 0 and not tables:
                    db.execute("PRAGMA journal_mode = WAL")
                    # One transaction; IF NOT EXISTS lets two servers starting together both succeed.
                    db.executescript(f"BEGIN IMMEDIATE; {_SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;")
                elif version != SCHEMA_VERSION or "votes" not in tables:
                    raise StoreError(f"{self.path} is not a study vote database of schema {SCHEMA_VERSION} "
                                     f"(found schema {version} with tables {', '.join(sorted(tables)) or 'none'})")
                else:
                    db.execute("PRAGMA journal_mode = WAL")
        except sqlite3.DatabaseError as error:
            raise StoreError(f"{self.path} is not a readable SQLite database ({error}); it was left untouched: "
                             f"move it away or pass another --study-db") from error

    def record(self, study: str, rater: str, trial: str, answers: dict[str, str], left: str, right: str,
               gold_answer: str | None = None) -> Recorded:
        """Store one vote (every question of one trial) in one transaction."""
        bad = {q: c for q, c in answers.items() if c not in CHOICES}
        if bad:
            raise ValueError(f"choices must be one of {', '.join(CHOICES)}, got {bad}")
        now = datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
        new, duplicate = [], []
        with closing(self._connect()) as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                for question, choice in answers.items():
                    cursor = db.execute(
                        "INSERT INTO votes (study, rater, trial, question, choice, left, right, gold_answer, time) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (study, rater, trial, question) DO NOTHING",
                        (study, rater, trial, question, choice, left, right, gold_answer, now))
                    (new if cursor.rowcount == 1 else duplicate).append(question)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return Recorded(tuple(new), tuple(duplicate))

    def answered(self, study: str, rater: str) -> dict[str, set[str]]:
        """trial -> the questions this rater has answered on it."""
        with closing(self._connect()) as db:
            rows = db.execute("SELECT trial, question FROM votes WHERE study = ? AND rater = ?", (study, rater))
            out: dict[str, set[str]] = {}
            for trial, question in rows:
                out.setdefault(trial, set()).add(question)
            return out

    def votes(self, study: str | None = None) -> pd.DataFrame:
        """The raw votes (of one study, or all), oldest first, in ``VOTE_COLUMNS``."""
        query = f"SELECT {', '.join(VOTE_COLUMNS)} FROM votes" + (" WHERE study = ?" if study is not None else "")
        with closing(self._connect()) as db:
            rows = db.execute(query + " ORDER BY id", () if study is None else (study,)).fetchall()
        return pd.DataFrame(rows, columns=VOTE_COLUMNS)

    def count(self, study: str) -> int:
        with closing(self._connect()) as db:
            return db.execute("SELECT COUNT(*) FROM votes WHERE study = ?", (study,)).fetchone()[0]

    def reset(self, study: str) -> int:
        """Erase one study's votes; returns how many rows went."""
        with closing(self._connect()) as db:
            db.execute("BEGIN IMMEDIATE")
            removed = db.execute("DELETE FROM votes WHERE study = ?", (study,)).rowcount
            db.execute("COMMIT")
            return removed
