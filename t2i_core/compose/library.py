"""A library of single-person motions with captions, searched by text (InterCompose, person 1 by retrieval).

Sources (one folder per library):
- ``interhuman``: every person's track of every clip of an InterHuman-layout folder, with its
  per-person captions (``annots_individual/person{1,2}/<id>.txt``); tracks without them are skipped.
  A track is read from the shared feature cache (``data.clips``) and re-canonicalised alone, in its
  own frame. Entry ids: ``interhuman:<clip>:p1`` / ``interhuman:<clip>:p2``.
- ``humanml3d``: every clip of a HumanML3D-layout folder (``motion.humanml3d``), converted to our
  262-D at 30 fps on retrieval. A caption with a time span (``start#end`` not ``0#0``) is its own
  entry over that span, as HumanML3D's loaders read it. Entry ids: ``humanml3d:<clip>`` and
  ``humanml3d:<clip>:<start>-<end>`` (seconds).

Search: each distinct caption of an entry is one row, embedded by the text encoder's pooled vector
(MiniLM by default, through ``TextFeatureCache``); neighbours by cosine similarity with
scikit-learn. ``retrieve`` takes the k most similar entries -- ties with the k-th included, so a
caption shared by many tracks (template captions) draws among all of them -- and picks one with a
seeded generator, so repeated prompts vary and the same seed gives the same motion.

Lengths: entries shorter than 15 frames (``MIN_CLIP_FRAMES``) are refused when the library is built;
longer than ``max_frames`` (300, the training crop) are cropped at retrieval to a seeded window and
re-canonicalised.

Saved as ``embeddings.safetensors`` (caption embeddings and their entry/caption rows) and
``library.json`` (entries, source folder, encoder, skipped clips with reasons, the embeddings'
checksum), both written atomically; the motions stay in the source folder.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from safetensors.numpy import load as load_safetensors
from safetensors.numpy import save as save_safetensors
from sklearn.neighbors import NearestNeighbors

from t2i_core.data.clips import ClipError, FeatureCache, default_cache_dir
from t2i_core.data.interhuman import MAX_FRAMES
from t2i_core.data.layout import MOTIONS, DataFolderError, InterHumanLayout
from t2i_core.io import atomic_write_bytes, atomic_write_text, load_npy_safely
from t2i_core.motion.features import MIN_CLIP_FRAMES, recanonicalize
from t2i_core.motion.humanml3d import (
    HUMANML3D_FPS,
    VECTORS_DIR,
    HumanML3DFormatError,
    HumanML3DLayout,
    features_from_humanml3d,
    frames_at_our_fps,
)
from t2i_core.text.cache import TextFeatureCache

KINDS = ("interhuman", "humanml3d")
LIBRARY_FORMAT = "t2i-motion-library"
LIBRARY_VERSION = 1
INDEX_FILE = "library.json"
EMBEDDINGS_FILE = "embeddings.safetensors"
DEFAULT_ENCODER = "minilm"
_TIE = 1e-6  # cosine distances this close to the k-th count as ties


class LibraryError(ValueError):
    """A library that cannot be built, loaded or searched, with what is accepted."""


@dataclass(frozen=True)
class LibraryEntry:
    """One single-person motion of the library."""

    id: str
    clip_id: str
    captions: tuple[str, ...]
    frames: int                             # 262-D frames at 30 fps, before any crop
    person: int | None = None               # interhuman: 1 or 2
    segment: tuple[int, int] | None = None  # humanml3d: [start, end) in the source's 20 fps frames


@dataclass(frozen=True)
class RetrievedMotion:
    """A retrieved motion: its entry, the caption that matched and the (cropped) features."""

    id: str
    caption: str               # the entry's caption closest to the prompt
    similarity: float          # cosine similarity of that caption to the prompt
    features: np.ndarray       # (frames, 262) float32, canonical in its own frame, un-normalised
    frames: int
    crop_start: int            # first frame of the crop within the entry (0 when not cropped)
    candidates: int            # how many entries the choice was drawn from


def detect_kind(folder: Path) -> str:
    if (folder / VECTORS_DIR).is_dir():
        return "humanml3d"
    if (folder / MOTIONS).is_dir():
        return "interhuman"
    raise LibraryError(
        f"{folder} is neither an InterHuman-layout folder (motions_processed/) nor a HumanML3D-layout "
        f"folder ({VECTORS_DIR}/)")


def _interhuman_entries(folder: Path, splits: tuple[str, ...] | None, cache: FeatureCache, progress: bool,
                        min_frames: int) -> tuple[list[LibraryEntry], list[tuple[str, str]]]:
    layout = InterHumanLayout.open(folder)
    layout.require_folders()
    if not layout.individual_dir(1).is_dir() and not layout.individual_dir(2).is_dir():
        raise LibraryError(
            f"{layout.root} has no per-person captions: a motion library of InterHuman tracks needs "
            "annots_individual/person1/<id>.txt and annots_individual/person2/<id>.txt")
    if splits is None:
        ids = sorted(p.stem for p in layout.motion_dir(1).glob("*.npy"))
    else:
        ids = list(dict.fromkeys(i for split in splits for i in layout.split_ids(split)))
    ignored = layout.ignore_list()
    entries, skipped = [], []
    for clip_id in _progress(ids, progress, "indexing InterHuman tracks"):
        if clip_id in ignored:
            continue
        captions = layout.individual_captions(clip_id)
        if captions is None:
            skipped.append((f"interhuman:{clip_id}", "no per-person captions"))
            continue
        try:
            record = cache.record(layout, clip_id)
        except ClipError as error:
            skipped.append((f"interhuman:{clip_id}", str(error)))
            continue
        for person in (1, 2):
            entry_id = f"interhuman:{clip_id}:p{person}"
            texts = tuple(dict.fromkeys(captions[person - 1]))
            if not texts:
                skipped.append((entry_id, "empty per-person caption file"))
            elif record.length < min_frames:
                skipped.append((entry_id, f"too short: {record.length} frames, at least {min_frames} needed"))
            else:
                entries.append(LibraryEntry(entry_id, clip_id, texts, record.length, person=person))
    return entries, skipped


def _humanml3d_entries(folder: Path, splits: tuple[str, ...] | None, progress: bool,
                       min_frames: int) -> tuple[list[LibraryEntry], list[tuple[str, str]]]:
    layout = HumanML3DLayout.open(folder)
    entries, skipped = [], []
    for clip_id in _progress(layout.clip_ids(splits), progress, "indexing HumanML3D clips"):
        base = f"humanml3d:{clip_id}"
        if not layout.vectors_file(clip_id).is_file():
            skipped.append((base, f"missing {VECTORS_DIR}/{clip_id}.npy"))
            continue
        try:
            captions = layout.captions(clip_id)
            total = layout.frames(clip_id)
        except (HumanML3DFormatError, ValueError, OSError) as error:
            skipped.append((base, str(error)))
            continue
        if not captions:
            skipped.append((base, "no captions (texts/<id>.txt missing or empty)"))
            continue
        spans: dict[tuple[int, int] | None, list[str]] = {}
        for caption in captions:
            span = None if caption.whole_clip else (int(caption.start * HUMANML3D_FPS),
                                                     min(int(caption.end * HUMANML3D_FPS), total))
            spans.setdefault(span, []).append(caption.text)
        for span, texts in spans.items():
            entry_id = base if span is None else f"{base}:{span[0] / HUMANML3D_FPS:g}-{span[1] / HUMANML3D_FPS:g}"
            length = total if span is None else span[1] - span[0]
            frames = frames_at_our_fps(length) if length >= 2 else 0
            if frames < min_frames:
                skipped.append((entry_id, f"too short: {frames} frames at 30 fps, at least {min_frames} needed"))
                continue
            entries.append(LibraryEntry(entry_id, clip_id, tuple(dict.fromkeys(texts)), frames, segment=span))
    return entries, skipped


def _progress(items: list[str], progress: bool, desc: str):
    if not progress:
        return items
    from tqdm import tqdm

    return tqdm(items, desc=desc, unit="clip")


def _seeds(seed: int | Sequence[int], count: int) -> list[np.random.Generator]:
    if isinstance(seed, int | np.integer):
        return [np.random.default_rng([int(seed), i]) for i in range(count)]
    seeds = list(seed)
    if len(seeds) != count:
        raise LibraryError(f"got {len(seeds)} seeds for {count} prompts: give one seed, or one per prompt")
    return [np.random.default_rng(int(s)) for s in seeds]


class MotionLibrary:
    """Single-person motions with caption embeddings; build once, save, load, retrieve."""

    def __init__(self, kind: str, folder: str | Path, entries: list[LibraryEntry], embeddings: np.ndarray,
                 rows: np.ndarray, encoder: str = DEFAULT_ENCODER, text_cache: TextFeatureCache | None = None,
                 cache_dir: str | Path | None = None, skipped: list[tuple[str, str]] | None = None,
                 splits: tuple[str, ...] | None = None):
        if kind not in KINDS:
            raise LibraryError(f"unknown library kind {kind!r}; accepted: {', '.join(KINDS)}")
        if not entries:
            raise LibraryError(f"no usable motions in {folder} (skipped: {len(skipped or [])})")
        if embeddings.ndim != 2 or rows.shape != (embeddings.shape[0], 2):
            raise LibraryError(f"embeddings {embeddings.shape} and rows {rows.shape} do not match")
        self.kind, self.folder, self.encoder = kind, Path(folder), encoder
        self.entries, self.embeddings, self.rows = list(entries), np.asarray(embeddings, np.float32), rows
        self.skipped, self.splits = list(skipped or []), splits
        self.cache_dir = cache_dir
        self._text_cache = text_cache
        self._index = {e.id: i for i, e in enumerate(self.entries)}
        self._neighbours: NearestNeighbors | None = None
        self._max_captions = int(np.bincount(rows[:, 0]).max())

    # -- building ------------------------------------------------------------------------------
    @classmethod
    def build(cls, folder: str | Path, kind: str = "auto", splits: Sequence[str] | None = None,
              text_cache: TextFeatureCache | None = None, encoder: str = DEFAULT_ENCODER,
              cache_dir: str | Path | None = None, min_frames: int = MIN_CLIP_FRAMES,
              progress: bool = False) -> MotionLibrary:
        """Index a folder's single-person motions and embed their captions.

        ``splits`` (e.g. ("train",)) limits the clips to those split files; None takes every clip.
        ``text_cache`` supplies the encoder (and keeps its encodings); by default ``encoder`` is built.
        """
        root = Path(folder).expanduser().resolve()
        if not root.is_dir():
            raise LibraryError(f"motion folder not found: {root}")
        kind = detect_kind(root) if kind == "auto" else kind
        if kind not in KINDS:
            raise LibraryError(f"unknown library kind {kind!r}; accepted: auto, {', '.join(KINDS)}")
        if min_frames < 2:
            raise LibraryError(f"min_frames must be at least 2, got {min_frames}")
        splits = tuple(splits) if splits is not None else None
        try:
            if kind == "interhuman":
                entries, skipped = _interhuman_entries(root, splits, FeatureCache(cache_dir), progress, min_frames)
            else:
                entries, skipped = _humanml3d_entries(root, splits, progress, min_frames)
        except (DataFolderError, HumanML3DFormatError) as error:
            raise LibraryError(str(error)) from error
        if not entries:
            reasons = "; ".join(f"{i}: {r}" for i, r in skipped[:5])
            raise LibraryError(f"no usable single-person motions with captions in {root}"
                               + (f" (first reasons: {reasons})" if reasons else ""))
        rows = np.array([(e, c) for e, entry in enumerate(entries) for c in range(len(entry.captions))], np.int64)
        cache = text_cache if text_cache is not None else _default_cache(encoder)
        texts = [entries[e].captions[c] for e, c in rows]
        cache.add(texts, progress=progress)
        embeddings = cache.pooled(texts).numpy()
        return cls(kind, root, entries, embeddings, rows, encoder=cache.encoder.name, text_cache=cache,
                   cache_dir=cache_dir, skipped=skipped, splits=splits)

    # -- saving --------------------------------------------------------------------------------
    def save(self, directory: str | Path) -> Path:
        """Write the index to ``directory`` (embeddings first, the JSON that names their checksum last)."""
        directory = Path(directory)
        blob = save_safetensors({"embeddings": np.ascontiguousarray(self.embeddings),
                                 "rows": np.ascontiguousarray(self.rows)})
        atomic_write_bytes(directory / EMBEDDINGS_FILE, blob)
        index = {
            "format": LIBRARY_FORMAT, "version": LIBRARY_VERSION, "kind": self.kind, "folder": str(self.folder),
            "encoder": self.encoder, "splits": list(self.splits) if self.splits is not None else None,
            "embeddings_sha256": hashlib.sha256(blob).hexdigest(),
            "entries": [asdict(e) for e in self.entries],
            "skipped": [{"id": i, "reason": r} for i, r in self.skipped],
        }
        atomic_write_text(directory / INDEX_FILE, json.dumps(index, indent=1) + "\n")
        return directory

    @classmethod
    def load(cls, directory: str | Path, text_cache: TextFeatureCache | None = None,
             folder: str | Path | None = None, cache_dir: str | Path | None = None) -> MotionLibrary:
        """A saved library; ``folder`` points it at its motions when they have moved since it was built."""
        directory = Path(directory)
        index_path, blob_path = directory / INDEX_FILE, directory / EMBEDDINGS_FILE
        if not index_path.is_file() or not blob_path.is_file():
            raise LibraryError(
                f"{directory} is not a saved motion library (expected {INDEX_FILE} and {EMBEDDINGS_FILE})")
        try:
            index = json.loads(index_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise LibraryError(f"{index_path} is not valid JSON: {error}") from error
        if index.get("format") != LIBRARY_FORMAT or index.get("version") != LIBRARY_VERSION:
            raise LibraryError(f"{index_path}: not a {LIBRARY_FORMAT} version {LIBRARY_VERSION} index")
        blob = blob_path.read_bytes()
        if hashlib.sha256(blob).hexdigest() != index["embeddings_sha256"]:
            raise LibraryError(f"{blob_path} does not belong to {index_path} (checksum differs): rebuild the library")
        arrays = load_safetensors(blob)
        entries = [LibraryEntry(e["id"], e["clip_id"], tuple(e["captions"]), int(e["frames"]), e["person"],
                                tuple(e["segment"]) if e["segment"] is not None else None) for e in index["entries"]]
        if text_cache is not None and text_cache.encoder.name != index["encoder"]:
            raise LibraryError(f"the library was embedded with {index['encoder']!r}, "
                               f"the text cache encodes with {text_cache.encoder.name!r}")
        splits = tuple(index["splits"]) if index["splits"] is not None else None
        return cls(index["kind"], folder if folder is not None else index["folder"], entries, arrays["embeddings"],
                   arrays["rows"], encoder=index["encoder"], text_cache=text_cache, cache_dir=cache_dir,
                   skipped=[(s["id"], s["reason"]) for s in index["skipped"]], splits=splits)

    # -- entries -------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.entries)

    def entry(self, entry_id: str) -> LibraryEntry:
        if entry_id not in self._index:
            raise LibraryError(f"no entry {entry_id!r} in this library")
        return self.entries[self._index[entry_id]]

    def features(self, entry: LibraryEntry | str) -> np.ndarray:
        """The whole motion of an entry: (frames, 262) float32 in its own canonical frame."""
        entry = self.entry(entry) if isinstance(entry, str) else entry
        if not self.folder.is_dir():
            raise LibraryError(f"the library's motion folder {self.folder} is missing: load it with folder=")
        if self.kind == "interhuman":
            layout = InterHumanLayout.open(self.folder)
            try:
                record = FeatureCache(self.cache_dir).record(layout, entry.clip_id)
            except ClipError as error:
                raise LibraryError(f"{entry.id}: {error}") from error
            pair = np.asarray(load_npy_safely(record.features_path), dtype=np.float64)
            track = recanonicalize(pair[entry.person - 1:entry.person])[0]
        else:
            layout = HumanML3DLayout.open(self.folder)
            positions = layout.positions(entry.clip_id)
            if entry.segment is not None:
                positions = positions[entry.segment[0]:entry.segment[1]]
            track = features_from_humanml3d(positions)
        return track.astype(np.float32)

    # -- search --------------------------------------------------------------------------------
    @property
    def text_cache(self) -> TextFeatureCache:
        if self._text_cache is None:
            self._text_cache = _default_cache(self.encoder)
        return self._text_cache

    def embed(self, prompts: list[str]) -> np.ndarray:
        return self.text_cache.pooled(prompts).numpy()

    def search(self, prompts: str | Sequence[str], k: int = 5) -> list[list[tuple[LibraryEntry, str, float]]]:
        """Per prompt, the k most similar entries (ties at the k-th included), best first, each with
        its closest caption and that caption's cosine similarity."""
        prompts = [prompts] if isinstance(prompts, str) else list(prompts)
        if not prompts or any(not isinstance(p, str) or not p.strip() for p in prompts):
            raise LibraryError("prompts must be one or more non-empty strings")
        if not isinstance(k, int | np.integer) or k < 1:
            raise LibraryError(f"k must be a whole number of at least 1, got {k!r}")
        if self._neighbours is None:
            self._neighbours = NearestNeighbors(metric="cosine", algorithm="brute").fit(self.embeddings)
        queries = self.embed(prompts)
        k = min(int(k), len(self.entries))
        # k entries are among the first k * (most captions of one entry) rows; one row more tells
        # whether ties with the k-th entry go on beyond them.
        depth = min(len(self.rows), k * self._max_captions + 1)
        distances, nearest = self._neighbours.kneighbors(queries, n_neighbors=depth)
        results = []
        for query, row_distances, row_ids in zip(queries, distances, nearest):
            kth = self._kth_entry_distance(row_distances, row_ids, k)
            if depth < len(self.rows) and row_distances[-1] <= kth + _TIE:
                # Ties may go on past the rows fetched: take every row as close as the k-th entry.
                dist, rows = self._neighbours.radius_neighbors(query[None], radius=kth + _TIE, sort_results=True)
                row_distances, row_ids = dist[0], rows[0]
            best: dict[int, tuple[str, float]] = {}
            for d, r in zip(row_distances, row_ids):
                if d > kth + _TIE:
                    break
                entry_index, caption_index = self.rows[r]
                if entry_index not in best:
                    best[entry_index] = (self.entries[entry_index].captions[caption_index], 1.0 - float(d))
            results.append([(self.entries[e], caption, sim) for e, (caption, sim) in best.items()])
        return results

    def _kth_entry_distance(self, row_distances: np.ndarray, row_ids: np.ndarray, k: int) -> float:
        """Distance of the k-th distinct entry among rows sorted by distance."""
        seen: set[int] = set()
        for d, r in zip(row_distances, row_ids):
            seen.add(int(self.rows[r, 0]))
            if len(seen) == k:
                return float(d)
        return float(row_distances[-1])

    def retrieve(self, prompts: str | Sequence[str], k: int = 5, seed: int | Sequence[int] = 0,
                 max_frames: int = MAX_FRAMES) -> list[RetrievedMotion]:
        """One motion per prompt, drawn uniformly among its k most similar entries.

        ``seed``: one int (prompt i draws from ``default_rng([seed, i])``) or one seed per prompt.
        Motions longer than ``max_frames`` are cropped to a seeded window of that length.
        """
        prompts = [prompts] if isinstance(prompts, str) else list(prompts)
        if max_frames < MIN_CLIP_FRAMES:
            raise LibraryError(f"max_frames must be at least {MIN_CLIP_FRAMES}, got {max_frames}")
        generators = _seeds(seed, len(prompts))
        out = []
        for candidates, rng in zip(self.search(prompts, k), generators):
            entry, caption, similarity = candidates[int(rng.integers(len(candidates)))]
            features = self.features(entry)
            start = 0
            if features.shape[0] > max_frames:
                start = int(rng.integers(features.shape[0] - max_frames + 1))
                features = recanonicalize(features[None, start:start + max_frames].astype(np.float64))[0]
                features = features.astype(np.float32)
            out.append(RetrievedMotion(entry.id, caption, similarity, features, features.shape[0], start,
                                       len(candidates)))
        return out


def _default_cache(encoder: str) -> TextFeatureCache:
    from t2i_core.text.registry import build_text_encoder

    return TextFeatureCache(build_text_encoder(encoder))


LIBRARY_CACHE_DIR = "motion_library"


def cached_library(folder: str | Path, splits: Sequence[str] = ("train",), cache_dir: str | Path | None = None,
                   progress: bool = False) -> MotionLibrary:
    """The library of ``folder``'s ``splits``, built once and saved under the feature cache (``cache_dir``)."""
    root = Path(folder).expanduser().resolve()
    base = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    key = hashlib.sha256(json.dumps([str(root), list(splits)]).encode()).hexdigest()[:16]
    directory = base / LIBRARY_CACHE_DIR / key
    if (directory / INDEX_FILE).is_file():
        try:
            return MotionLibrary.load(directory, cache_dir=cache_dir)
        except LibraryError:
            pass  # stale or torn: rebuilt below
    # captions already encoded for training are not encoded again
    from t2i_core.text.cache import TextFeatureCache, text_cache_path
    from t2i_core.text.registry import build_text_encoder

    encoder = build_text_encoder(DEFAULT_ENCODER)
    texts = TextFeatureCache(encoder, text_cache_path(cache_dir, encoder.name))
    library = MotionLibrary.build(root, splits=splits, text_cache=texts, cache_dir=cache_dir, progress=progress)
    library.save(directory)
    texts.save()
    return library


class LibraryPerson1:
    """Person 1 retrieved from a motion library by the initiator's prompt (the run's ``Person1Source``).

    The motion keeps its own length (cropped to ``max_frames``); the candidate's drawn length is not used.
    """

    def __init__(self, library: MotionLibrary, k: int = 5, max_frames: int = MAX_FRAMES):
        self.library, self.k, self.max_frames = library, int(k), int(max_frames)

    def make(self, prompts: list[str], lengths: list[int], seeds: list[int]) -> list[tuple[np.ndarray, str]]:
        if not prompts:
            return []
        found = self.library.retrieve(prompts, self.k, seed=[int(s) for s in seeds], max_frames=self.max_frames)
        return [(motion.features, f"retrieved:{motion.id}") for motion in found]
