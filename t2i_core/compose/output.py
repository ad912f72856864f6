"""The InterCompose output folder: write it, read and validate it, re-apply thresholds.

The format is settled in docs/compose_format.md; this module is its one implementation. Tables are
parquet (pandas + pyarrow), arrays safetensors, motions InterHuman's layout (raw 492-column files
the InterHuman reader accepts), every file written atomically. ``compose.json`` is written last:
a folder without it is not (yet) a compose output.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from safetensors.numpy import load_file, save

from t2i_core.compose.filters import (
    ALL_STATUSES,
    OPTIONAL_THRESHOLDS,
    PHYSICAL_LIMITS,
    UNSPLITTABLE,
    Thresholds,
    status_counts,
    statuses,
)
from t2i_core.data.layout import MOTIONS, SPLIT_DIR
from t2i_core.data.writer import write_clip
from t2i_core.io import atomic_write_bytes, atomic_write_text
from t2i_core.motion.features import ROTATIONS, positions_with_next_frame
from t2i_core.motion.raw import make_raw
from t2i_core.skeleton import NUM_JOINTS

FORMAT_VERSION = 1
COMPOSE_FILE = "compose.json"
CANDIDATES_FILE = "candidates.parquet"
REAL_FILE = "real.parquet"
EMBEDDINGS_FILE = "embeddings.safetensors"
PROJECTION_FILE = "projection.safetensors"
THRESHOLDS_FILE = "thresholds.json"
KEPT_FILE = "kept.txt"
JOURNAL_DIR = "journal"
ALL_SPLIT = "all"

# Column -> pandas dtype, in the order of the format; then "reason" (why a row is unsplittable, else "")
# and "novel" (its theme x tag combination is in no real caption).
CANDIDATE_COLUMNS = {
    "id": "string", "index": "int64", "description": "string", "theme": "string", "tags": "string",
    "prompt1": "string", "prompt2": "string", "person1_source": "string", "seed": "int64", "frames": "int64",
    "cosine": "float32", "distance": "float32", "status": "string", "reason": "string", "novel": "bool",
}
# Columns of the per-person and physical filters, written by runs that measured them (older outputs lack
# them and still load): each person's own cosine under the single-person filter evaluator, and the
# physical measures (``compose.physical``). NaN where not measured.
PERSON_COLUMNS = {"person1_cosine": "float32", "person2_cosine": "float32"}
PHYSICAL_COLUMNS = dict.fromkeys(PHYSICAL_LIMITS, "float32")
OPTIONAL_COLUMNS = {**PERSON_COLUMNS, **PHYSICAL_COLUMNS}
REAL_COLUMNS = {"id": "string", "caption": "string", "theme": "string", "tags": "string"}


class ComposeOutputError(ValueError):
    """A folder that is not a (complete, consistent) InterCompose output."""


def candidate_id(index: int) -> str:
    return f"c{int(index):07d}"


# -- low-level writers -----------------------------------------------------------------------------
def write_parquet(path: Path, frame: pd.DataFrame) -> Path:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, engine="pyarrow", index=False)
    return atomic_write_bytes(path, buffer.getvalue())


def write_safetensors(path: Path, arrays: dict[str, np.ndarray]) -> Path:
    return atomic_write_bytes(path, save({k: np.ascontiguousarray(v, dtype=np.float32) for k, v in arrays.items()}))


def write_json(path: Path, payload: dict) -> Path:
    return atomic_write_text(path, json.dumps(payload, indent=1, sort_keys=True, allow_nan=False) + "\n")


def _lines(ids) -> str:
    return "".join(f"{i}\n" for i in ids)


def pair_to_raw(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pair features (2, T, 262) -> two raw (T+1, 492) arrays that process back to (2, T, 262).

    The T stored frames plus the one the last velocity reaches; that frame repeats the last
    rotation (processing drops it again). Y-up canonical positions go to InterHuman's Z-up.
    """
    features = np.asarray(features, dtype=np.float64)
    positions = positions_with_next_frame(features)
    rot6d = features[..., ROTATIONS].reshape(2, -1, NUM_JOINTS - 1, 6)
    rot6d = np.concatenate([rot6d, rot6d[:, -1:]], axis=1)
    return make_raw(positions[0], rot6d[0]), make_raw(positions[1], rot6d[1])


def write_candidate_motion(out: Path, cid: str, features: np.ndarray, description: str, prompt1: str,
                           prompt2: str) -> None:
    """One candidate in InterHuman's layout: both persons' raw motions and the three caption files."""
    raw1, raw2 = pair_to_raw(features)
    write_clip(out, cid, raw1, raw2, [description], ([prompt1], [prompt2]))


def typed_candidates(rows: list[dict] | pd.DataFrame) -> pd.DataFrame:
    """The format's columns, typed; the optional ones (``OPTIONAL_COLUMNS``) where the rows have them."""
    present = set(rows.columns) if isinstance(rows, pd.DataFrame) else set(rows[0]) if len(rows) else set()
    columns = {**CANDIDATE_COLUMNS, **{c: t for c, t in OPTIONAL_COLUMNS.items() if c in present}}
    return pd.DataFrame(rows, columns=list(columns)).astype(columns)


def typed_real(rows: list[dict] | pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(REAL_COLUMNS)).astype(REAL_COLUMNS)


# -- the kept set ------------------------------------------------------------------------------
def _write_kept(out: Path, candidates: pd.DataFrame, thresholds: Thresholds) -> None:
    """The files that follow from the thresholds; thresholds.json last, so it names what is on disk."""
    kept = candidates.loc[candidates["status"] == "kept", "id"].tolist()
    write_kept_split(out, kept)
    atomic_write_text(out / KEPT_FILE, _lines(kept))
    write_parquet(out / CANDIDATES_FILE, candidates)
    write_json(out / THRESHOLDS_FILE, thresholds.to_json())


def write_kept_split(folder: str | Path, kept: list[str]) -> None:
    """A kept set as the training split of an InterHuman-layout folder (``split/train.txt``), which is what
    ``train_interactor --data`` reads; every writer of a kept set goes through here."""
    atomic_write_text(Path(folder) / SPLIT_DIR / "train.txt", _lines(kept))


def write_output(out: str | Path, info: dict, candidates: pd.DataFrame, real: pd.DataFrame,
                 embeddings: dict[str, np.ndarray], projection: dict[str, np.ndarray],
                 thresholds: Thresholds) -> Path:
    """Write the tables, arrays and lists of a finished run (motions are already in place)."""
    out = Path(out)
    candidates = typed_candidates(candidates)
    with_motion = candidates.loc[candidates["frames"] > 0, "id"].tolist()
    atomic_write_text(out / SPLIT_DIR / f"{ALL_SPLIT}.txt", _lines(with_motion))
    write_parquet(out / REAL_FILE, typed_real(real))
    write_safetensors(out / EMBEDDINGS_FILE, embeddings)
    write_safetensors(out / PROJECTION_FILE, projection)
    _write_kept(out, candidates, thresholds)
    write_json(out / COMPOSE_FILE, {"format": FORMAT_VERSION, **info})
    return out


# -- reading -----------------------------------------------------------------------------------
@dataclass
class ComposeOutput:
    root: Path
    info: dict                 # compose.json
    candidates: pd.DataFrame   # candidates.parquet
    real: pd.DataFrame         # real.parquet
    thresholds: Thresholds     # thresholds.json

    @property
    def kept_ids(self) -> list[str]:
        return self.candidates.loc[self.candidates["status"] == "kept", "id"].tolist()

    def embeddings(self) -> dict[str, np.ndarray]:
        """{"synthetic" (N, D), "real" (M, D), "synthetic_text" (N, D)}; NaN rows: candidates without a motion."""
        return _read_arrays(self.root / EMBEDDINGS_FILE, {"synthetic": len(self.candidates), "real": len(self.real),
                                                          "synthetic_text": len(self.candidates)})

    def projection(self) -> dict[str, np.ndarray]:
        """{"synthetic" (N, 2), "real" (M, 2)}; NaN rows: candidates without a motion."""
        return _read_arrays(self.root / PROJECTION_FILE, {"synthetic": len(self.candidates), "real": len(self.real)})


def _read_arrays(path: Path, rows: dict[str, int]) -> dict[str, np.ndarray]:
    try:
        arrays = load_file(str(path))
    except Exception as error:  # safetensors raises its own error types
        raise ComposeOutputError(f"{path.name} is not a readable safetensors file: {error}") from None
    for name, count in rows.items():
        if name not in arrays:
            raise ComposeOutputError(f"{path.name} lacks the array {name!r}")
        if arrays[name].ndim != 2 or arrays[name].shape[0] != count:
            raise ComposeOutputError(f"{path.name}: {name!r} has shape {arrays[name].shape}, expected {count} rows")
    return arrays


def _read_table(path: Path, columns: dict[str, str]) -> pd.DataFrame:
    try:
        frame = pd.read_parquet(path, engine="pyarrow")
    except Exception as error:  # pyarrow raises several types for a damaged file
        raise ComposeOutputError(f"{path.name} is not a readable parquet table: {error}") from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ComposeOutputError(f"{path.name} lacks the columns {missing}")
    return frame


def read_compose_output(folder: str | Path) -> ComposeOutput:
    """Open and validate an InterCompose output folder (ComposeOutputError says what is wrong)."""
    root = Path(folder).expanduser()
    if not root.is_dir():
        raise ComposeOutputError(f"compose output folder not found: {root}")
    info_path = root / COMPOSE_FILE
    if not info_path.is_file():
        running = (root / JOURNAL_DIR).is_dir()
        hint = " (a run is under way or was interrupted: run it again to finish)" if running else ""
        raise ComposeOutputError(f"{root} is not an InterCompose output: {COMPOSE_FILE} is missing{hint}")
    try:
        info = json.loads(info_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ComposeOutputError(f"{COMPOSE_FILE} is not valid JSON: {error}") from None
    found = info.get("format") if isinstance(info, dict) else None
    if found != FORMAT_VERSION:
        raise ComposeOutputError(f"{COMPOSE_FILE} has format {found!r}; this version reads format {FORMAT_VERSION}")
    for name in (CANDIDATES_FILE, REAL_FILE, EMBEDDINGS_FILE, PROJECTION_FILE, THRESHOLDS_FILE):
        if not (root / name).is_file():
            raise ComposeOutputError(f"{root} is an incomplete InterCompose output: {name} is missing")
    candidates = _read_table(root / CANDIDATES_FILE, CANDIDATE_COLUMNS)
    real = _read_table(root / REAL_FILE, REAL_COLUMNS)
    unknown = sorted(set(candidates["status"]) - set(ALL_STATUSES))
    if unknown:
        raise ComposeOutputError(f"{CANDIDATES_FILE} has unknown statuses {unknown}; accepted: "
                                 f"{', '.join(ALL_STATUSES)}")
    if not candidates["index"].is_monotonic_increasing or candidates["id"].duplicated().any():
        raise ComposeOutputError(f"{CANDIDATES_FILE} must list each candidate once, in candidate order")
    try:
        thresholds = Thresholds.from_json(json.loads((root / THRESHOLDS_FILE).read_text(encoding="utf-8")))
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError, TypeError) as error:
        raise ComposeOutputError(f"{THRESHOLDS_FILE} is not valid: {error}") from None
    return ComposeOutput(root, info, candidates, real, thresholds)


def person_cosines(candidates: pd.DataFrame) -> np.ndarray | None:
    """(N, 2) per-person cosines, or None for an output without them."""
    if not set(PERSON_COLUMNS) <= set(candidates.columns):
        return None
    return candidates[list(PERSON_COLUMNS)].to_numpy(dtype=np.float64)


def physical_columns(candidates: pd.DataFrame) -> dict[str, np.ndarray] | None:
    """{measure: (N,)}, or None for an output without them."""
    if not set(PHYSICAL_COLUMNS) <= set(candidates.columns):
        return None
    return {name: candidates[name].to_numpy(dtype=np.float64) for name in PHYSICAL_COLUMNS}


def restatus(candidates: pd.DataFrame, thresholds: Thresholds) -> pd.DataFrame:
    """A copy of a candidates table with every status re-decided under ``thresholds`` (nothing written).

    A filter whose columns the table lacks (an output made before it existed) is a ValueError saying so.
    """
    candidates = candidates.copy()
    has_motion = (candidates["frames"] > 0).to_numpy() & (candidates["status"] != UNSPLITTABLE).to_numpy()
    candidates["status"] = statuses(candidates["cosine"].to_numpy(), candidates["distance"].to_numpy(),
                                    has_motion, thresholds, person_cosines(candidates), physical_columns(candidates))
    return typed_candidates(candidates)


def apply_thresholds(out_dir: str | Path, delta: float, r_min: float, r_max: float,
                     **optional: float | None) -> ComposeOutput:
    """Re-decide every candidate's status under new thresholds and rewrite the kept set; generates nothing.

    ``optional``: any of ``filters.OPTIONAL_THRESHOLDS`` (None turns that filter off); those not given
    keep the folder's current value. Rewrites candidates.parquet's status, thresholds.json, kept.txt and
    split/train.txt (each atomically). k stays the run's: the distances were computed with it.
    """
    unknown = sorted(set(optional) - set(OPTIONAL_THRESHOLDS))
    if unknown:
        raise ValueError(f"unknown thresholds {unknown}; accepted: {', '.join(OPTIONAL_THRESHOLDS)}")
    output = read_compose_output(out_dir)
    current = {name: getattr(output.thresholds, name) for name in OPTIONAL_THRESHOLDS}
    thresholds = Thresholds(delta=delta, r_min=r_min, r_max=r_max, k=output.thresholds.k,
                            **{**current, **optional})  # validates first
    try:
        candidates = restatus(output.candidates, thresholds)
    except ValueError as error:
        raise ComposeOutputError(f"{output.root}: {error}") from None
    _write_kept(output.root, candidates, thresholds)
    return ComposeOutput(output.root, output.info, candidates, output.real, thresholds)


def counts_by_theme(candidates: pd.DataFrame) -> dict[str, dict[str, int]]:
    """{theme: {status: count}} with every status listed, themes sorted."""
    return {theme: status_counts(group["status"]) for theme, group in sorted(candidates.groupby("theme"))}


def is_compose_folder(folder: str | Path) -> bool:
    """Whether ``folder`` is (or is becoming) an InterCompose output: compose.json or a run's journal."""
    root = Path(folder).expanduser()
    return (root / COMPOSE_FILE).is_file() or (root / JOURNAL_DIR).is_dir()


def require_trainable(folder: str | Path) -> ComposeOutput:
    """A compose output that ``train_interactor --data`` can read: complete, with its motions and a
    non-empty kept set (``split/train.txt``); anything else is a ComposeOutputError saying what to do."""
    output = read_compose_output(folder)
    root = output.root
    kept_file = root / SPLIT_DIR / "train.txt"
    if not kept_file.is_file() or not (root / MOTIONS).is_dir():
        demo = (root / "playback.npz").is_file()
        what = "is a demo set (playback only, no features)" if demo else "lacks its motions or split/train.txt"
        raise ComposeOutputError(f"{root} {what}: training needs a full InterCompose output "
                                 "(python -m training.compose run)")
    if not [line for line in kept_file.read_text(encoding="utf-8").splitlines() if line.strip()]:
        raise ComposeOutputError(f"{root} keeps no candidate (split/train.txt is empty): loosen the thresholds "
                                 f"with python -m training.compose filter --out {root} --delta ... --r-min ... "
                                 "--r-max ...")
    return output
