"""The resumable InterCompose run: describe -> split -> person 1 -> person 2 -> score -> filter -> write.

    config = ComposeConfig(candidates=1000, seed=0)
    real = load_real_set("data/procedural")
    run_compose(config, real, "out/compose", pieces, filter_evaluator="runs/filter_evaluator")

Determinism: candidate i's randomness comes from (seed, i) alone (``candidate_seed``): its
description is item i of ``DescriptionSource.sample(N, seed)``, its length and the seeds of its
person-1 and reaction stages derive from its own seed, and every stage draws an item's noise from
that item's seed. Order, batching, resumption and the number of ranks therefore do not choose the
candidates. (Batches pad to their longest item, which moves the last bits of a float; a chunk is
recomputed bit for bit only with the same batch size, which a resumed run keeps.)

Resumption: candidates are composed in chunks of ``batch_size``. A chunk's motion files and its
``journal/chunks/<first index>.npz`` (scores, embeddings) are written atomically first; only then
is one JSON line appended to ``journal/rank<r>.jsonl``: the chunk is committed. A run killed at
any point and started again skips the committed chunks and redoes the rest (overwriting the files
of an uncommitted chunk with identical ones), so nothing is lost and nothing is made twice. A line
torn by the kill is dropped.

Ranks: under ``torchrun`` (RANK / WORLD_SIZE) rank r composes the indices i with i % world == r;
rank 0 then waits for every index to be committed (all ranks share OUT) and merges: real
embeddings, annulus distances, thresholds, the projection, the output folder.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from t2i_core.compose.annulus import (
    DEFAULT_K,
    DEFAULT_RADIUS_PERCENTILES,
    RealNeighbours,
    check_k,
    check_percentiles,
    default_radii,
    distance_percentiles,
)
from t2i_core.compose.filters import DEFAULT_DELTA, Thresholds, status_counts, statuses
from t2i_core.compose.identity import changed_entries, compared
from t2i_core.compose.interfaces import (
    Description,
    DescriptionSource,
    Person1Source,
    Person2Coupler,
    ReactionModel,
    SplitFailure,
    Splitter,
)
from t2i_core.compose.output import (
    JOURNAL_DIR,
    PHYSICAL_COLUMNS,
    ComposeOutput,
    candidate_id,
    counts_by_theme,
    read_compose_output,
    typed_candidates,
    write_candidate_motion,
    write_json,
    write_output,
)
from t2i_core.compose.physical import (
    REAL_PHYSICAL_CLIPS,
    check_percentile,
    physical_limits,
    physical_measures,
    real_physical_percentiles,
)
from t2i_core.compose.projection import fit_projection
from t2i_core.compose.scoring import Scores, describe_real_cosines, score_pairs, score_persons
from t2i_core.data.interhuman import InterHumanDataset
from t2i_core.data.layout import DataFolderError
from t2i_core.diffusion.given_person import METHODS
from t2i_core.diffusion.sampling import partial_start
from t2i_core.io import save_npz
from t2i_core.models.scorer import TextMotionScorer
from t2i_core.pipeline import DEFAULT_GUIDANCE, DEFAULT_STEPS, FPS, SECONDS_RANGE

# retrieved: from a motion library; generated: the single-person prior; joint: person 1 of the joint model's pair
PERSON1_CHOICES = ("retrieved", "generated", "joint")
REACTION_CHOICES = METHODS  # "trained" (a checkpoint trained with reaction samples) or "inpaint" (any two-person one)
# space: two-person actions of the real folder's mined space; broad: single-person parts from the solo vocabulary
DESCRIPTION_CHOICES = ("space", "broad")
# reaction: method (a), the pair model given person 1 and the full text; coupled: method (b), the single-person
# prior on person 2's own prompt, placed by the real set's placement for the theme, coupled by the pair model
PERSON2_CHOICES = ("reaction", "coupled")
DEFAULT_COUPLING_STRENGTH = 0.5
PERSON1_STAGE, REACTION_STAGE = 1, 2
RUN_FILE = "run.json"
RUN_FORMAT = 2  # run.json written before it recorded the sources and scorers (no "format") cannot be checked
CHUNKS_DIR = "chunks"
WAIT_SECONDS = 2.0
# Settings that do not change which candidates are made (only how fast, or which are kept).
NOT_GENERATION = ("batch_size", "delta", "k", "r_min", "r_max", "r_min_percentile", "r_max_percentile", "person_delta",
                  "physical_percentile")


class ComposeRunError(ValueError):
    """A run that cannot start or continue, with what to do about it."""


@dataclass
class ComposeConfig:
    candidates: int = 1000                 # how many candidates to compose (kept and rejected alike)
    seed: int = 0                          # the whole run's randomness; candidate i uses (seed, i) only
    delta: float = DEFAULT_DELTA           # keep when cosine(text, motion) >= delta (the paper's 0.58)
    k: int = DEFAULT_K                     # real neighbours the annulus distance averages over
    r_min_percentile: float = DEFAULT_RADIUS_PERCENTILES[0]  # default r_min: this percentile of real-to-real
    r_max_percentile: float = DEFAULT_RADIUS_PERCENTILES[1]  # default r_max: this percentile of real-to-real
    r_min: float | None = None             # explicit inner radius (overrides the percentile)
    r_max: float | None = None             # explicit outer radius (overrides the percentile)
    min_seconds: float = 3.0               # each candidate's length is uniform in [min, max] seconds
    max_seconds: float = 6.0
    guidance_scale: float = DEFAULT_GUIDANCE
    steps: int = DEFAULT_STEPS             # DDIM steps of every diffusion stage
    batch_size: int = 16                   # candidates per chunk (one journal commit each)
    person1: str = "retrieved"             # where person 1 comes from (PERSON1_CHOICES)
    reaction: str = "inpaint"              # how person 2 is made (REACTION_CHOICES)
    real_split: str = "train"              # the real clips E_real is made of
    person_delta: float | None = None      # per-person filter: keep when both persons' own cosines >= it (needs
                                           # a single-person evaluator); None: off
    physical_percentile: float | None = None  # physical filter: limits at this percentile of the real data; None: off
    descriptions: str = "space"            # where descriptions come from (DESCRIPTION_CHOICES)
    person2: str = "reaction"              # how person 2 is made (PERSON2_CHOICES)
    coupling_strength: float = DEFAULT_COUPLING_STRENGTH  # person2 coupled: the share of the DDIM loop person 2's
                                                           # placed draft is noised to and denoised over, in (0, 1]

    def __post_init__(self):
        def whole(name, low):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
                raise ComposeRunError(f"{name} must be an integer >= {low}, got {value!r}")
        whole("candidates", 1)
        whole("seed", 0)
        whole("steps", 1)
        whole("batch_size", 1)
        try:
            if self.physical_percentile is not None:
                check_percentile(self.physical_percentile)
            Thresholds(person_delta=self.person_delta)
            check_k(self.k)
            check_percentiles(self.r_min_percentile, self.r_max_percentile)
            # Checks delta and whichever radii are explicit (the others come from the real set later).
            Thresholds(self.delta, self.r_min if self.r_min is not None else 0.0,
                       self.r_max if self.r_max is not None else math.inf, self.k)
        except ValueError as error:
            raise ComposeRunError(str(error)) from None
        low, high = SECONDS_RANGE
        if not low <= float(self.min_seconds) <= float(self.max_seconds) <= high:
            raise ComposeRunError(f"lengths must satisfy {low:g} <= min_seconds <= max_seconds <= {high:g}, got "
                                  f"{self.min_seconds} and {self.max_seconds}")
        if not (math.isfinite(float(self.guidance_scale)) and float(self.guidance_scale) >= 0):
            raise ComposeRunError(f"guidance_scale must be a finite number >= 0, got {self.guidance_scale}")
        if self.person1 not in PERSON1_CHOICES:
            raise ComposeRunError(f"person1 {self.person1!r}; accepted: {', '.join(PERSON1_CHOICES)}")
        if self.reaction not in REACTION_CHOICES:
            raise ComposeRunError(f"reaction {self.reaction!r}; accepted: {', '.join(REACTION_CHOICES)}")
        if self.descriptions not in DESCRIPTION_CHOICES:
            raise ComposeRunError(f"descriptions {self.descriptions!r}; accepted: {', '.join(DESCRIPTION_CHOICES)}")
        if self.person2 not in PERSON2_CHOICES:
            raise ComposeRunError(f"person2 {self.person2!r}; accepted: {', '.join(PERSON2_CHOICES)}")
        try:
            partial_start(self.steps, self.coupling_strength)
        except ValueError as error:
            raise ComposeRunError(f"coupling_strength: {error}") from None

    def generation_identity(self) -> dict:
        """The settings that decide the candidates (the coupling strength only when person 2 is coupled)."""
        identity = {k: v for k, v in asdict(self).items() if k not in NOT_GENERATION}
        if self.person2 != "coupled":
            identity.pop("coupling_strength")
        return identity

    def set_id(self, sources: dict | None = None) -> str:
        """Hex sha256 of what decides the candidates: these settings (seed included) and, when given, the
        ``sources`` the pieces read (``ComposePieces.sources``: checkpoints, folders, with their digests)."""
        payload = self.generation_identity() if not sources else {**self.generation_identity(),
                                                                  "sources": compared(sources)}
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


# -- per-candidate randomness ----------------------------------------------------------------------
def candidate_seed(seed: int, index: int) -> int:
    """Candidate ``index``'s own seed (32 bits), a function of (seed, index) only."""
    return int(np.random.SeedSequence([int(seed), int(index)]).generate_state(1)[0])


def stage_seed(seed: int, stage: int) -> int:
    """An independent seed for one stage of a candidate (person 1, reaction)."""
    return int(np.random.SeedSequence([int(seed), int(stage)]).generate_state(1)[0])


def candidate_frames(config: ComposeConfig, seed: int) -> int:
    seconds = np.random.default_rng(seed).uniform(config.min_seconds, config.max_seconds)
    return round(float(seconds) * FPS)


# -- the real set --------------------------------------------------------------------------------
@dataclass
class RealSet:
    """The real clips E_real is built from (and whose captions give the real cosines)."""

    root: Path
    dataset: InterHumanDataset

    @property
    def ids(self) -> list[str]:
        return self.dataset.clip_ids

    @property
    def captions(self) -> list[str]:
        return [entry.captions[0] for entry in self.dataset.entries]

    def features(self, index: int, max_frames: int | None) -> np.ndarray:
        return np.asarray(self.dataset.full_features(index)[:, :max_frames], dtype=np.float32)


def load_real_set(folder: str | Path, split: str = "train", cache_dir: str | Path | None = None,
                  progress: bool = False) -> RealSet:
    """The real folder's clips of ``split`` with captions, or ComposeRunError saying what is missing."""
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise ComposeRunError(f"real data folder not found: {folder} (give an InterHuman-layout folder)")
    try:
        dataset = InterHumanDataset(folder, split, mode="eval", mirror=False, cache_dir=cache_dir, progress=progress)
    except DataFolderError as error:
        raise ComposeRunError(f"the real data folder cannot be used: {error}") from None
    if not dataset.entries:
        reasons = "; ".join(f"{k}: {v}" for k, v in list(dataset.skipped.items())[:3])
        raise ComposeRunError(f"no usable real clips with captions in split {split!r} of {folder}"
                              + (f" ({reasons})" if reasons else ""))
    return RealSet(folder, dataset)


# -- pieces --------------------------------------------------------------------------------------
@dataclass
class ComposePieces:
    """What the run calls; any implementation of the interfaces will do."""

    descriptions: DescriptionSource
    splitter: Splitter
    person1: Person1Source
    reaction: ReactionModel
    scorer: TextMotionScorer
    # caption -> (theme, tags) for the real table; None leaves them empty.
    real_labeler: object | None = None
    # the per-person filter's single-person evaluator; None: no per-person cosines
    person_scorer: TextMotionScorer | None = None
    names: dict = field(default_factory=dict)  # what each piece is, for compose.json
    # person-2 method (b) (config.person2 "coupled"); None with method (a), the reaction model
    coupler: Person2Coupler | None = None
    # what the pieces read, each with a digest (``identity.py``), recorded in journal/run.json so that a resume
    # with another one is refused: sources decide the candidates (in the set id), scorers their scores
    sources: dict = field(default_factory=dict)
    scorers: dict = field(default_factory=dict)


# -- the journal ---------------------------------------------------------------------------------
def journal_file(out: Path, rank: int) -> Path:
    return out / JOURNAL_DIR / f"rank{rank}.jsonl"


def _parse_journal(path: Path) -> tuple[list[dict], int]:
    """Committed entries of one journal file and the byte length they fill (a torn tail is not counted)."""
    entries, good = [], 0
    data = path.read_bytes()
    for line in data.splitlines(keepends=True):
        if not line.endswith(b"\n"):
            break  # torn by a kill during the append
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:
            break
        good += len(line)
    return entries, good


def read_journal(out: Path) -> dict[int, tuple[dict, str]]:
    """index -> (its record, its chunk file) over every rank's journal; the first commit of an index wins."""
    done: dict[int, tuple[dict, str]] = {}
    for path in sorted((out / JOURNAL_DIR).glob("rank*.jsonl")):
        for entry in _parse_journal(path)[0]:
            for record in entry["records"]:
                done.setdefault(int(record["index"]), (record, entry["file"]))
    return done


class JournalWriter:
    """Appends committed chunks to this rank's journal (after dropping a torn last line)."""

    def __init__(self, out: Path, rank: int):
        self.path = journal_file(out, rank)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.is_file():
            _, good = _parse_journal(self.path)
            if good != self.path.stat().st_size:
                with self.path.open("r+b") as handle:
                    handle.truncate(good)

    def commit(self, entry: dict) -> None:
        with self.path.open("ab") as handle:
            handle.write((json.dumps(entry, sort_keys=True) + "\n").encode())
            handle.flush()
            os.fsync(handle.fileno())


def run_identity(config: ComposeConfig, sources: dict | None = None, scorers: dict | None = None) -> dict:
    """What journal/run.json records: everything that decides the candidates or their scores."""
    sources, scorers = sources or {}, scorers or {}
    return {"format": RUN_FORMAT, "set_id": config.set_id(sources), "generation": config.generation_identity(),
            "sources": sources, "scorers": scorers}


def _check_run_file(out: Path, config: ComposeConfig, sources: dict | None = None, scorers: dict | None = None) -> None:
    """Refuse to mix runs: OUT holds this run's journal (same settings, sources and scorers), or nothing of
    another one."""
    run_file = out / JOURNAL_DIR / RUN_FILE
    payload = run_identity(config, sources, scorers)
    if run_file.is_file():
        stored = json.loads(run_file.read_text(encoding="utf-8"))
        if stored.get("format") != RUN_FORMAT:
            raise ComposeRunError(f"{out} holds a compose run started by an older version, which did not record "
                                  f"its descriptions, library or checkpoints, so continuing it cannot be checked; "
                                  f"give another --out (or finish it with the version that started it)")
        changed = [f"{part}.{name}" if part != "generation" else name for part in ("generation", "sources", "scorers")
                   for name in changed_entries(stored.get(part) or {}, payload[part])]
        if changed:
            raise ComposeRunError(f"{out} holds a compose run made with other settings or inputs (changed: "
                                  f"{', '.join(changed)}); continue it with the same ones or give another --out")
        return
    if out.is_dir() and any(out.iterdir()) and not (out / JOURNAL_DIR).is_dir():
        raise ComposeRunError(f"{out} is not empty and holds no compose run; give a new or empty --out folder")
    write_json(run_file, payload)


# -- one chunk -----------------------------------------------------------------------------------
def _check_features(name: str, features: np.ndarray, shape: tuple) -> np.ndarray:
    features = np.asarray(features, dtype=np.float32)
    if features.shape != shape:
        raise ComposeRunError(f"{name} returned shape {features.shape}, expected {shape}")
    if not np.all(np.isfinite(features)):
        raise ComposeRunError(f"{name} returned NaN or infinite values (a diverged model?)")
    return features


def compose_chunk(indices: list[int], descriptions: list[Description], config: ComposeConfig,
                  pieces: ComposePieces, out: Path) -> tuple[list[dict], dict[str, np.ndarray]]:
    """Compose, score and write the motions of the candidates ``indices``: their records and score arrays."""
    records = []
    for index in indices:
        description = descriptions[index]
        seed = candidate_seed(config.seed, index)
        split = pieces.splitter.split(description.text)
        failed = isinstance(split, SplitFailure)
        records.append({
            "index": index, "id": candidate_id(index), "description": description.text, "theme": description.theme,
            "tags": ",".join(description.tags), "novel": bool(description.novel), "seed": seed,
            "frames": 0 if failed else candidate_frames(config, seed), "prompt1": "" if failed else split[0],
            "prompt2": "" if failed else split[1], "person1_source": "", "reason": split.reason if failed else "",
        })
    made = [r for r in records if not r["reason"]]
    person1 = pieces.person1.make([r["prompt1"] for r in made], [r["frames"] for r in made],
                                  [stage_seed(r["seed"], PERSON1_STAGE) for r in made])
    motions = []
    for record, (features, source) in zip(made, person1):
        record["person1_source"], record["frames"] = str(source), int(np.asarray(features).shape[0])
        motions.append(_check_features("the person-1 source", features, (record["frames"], 262)))
    texts, seeds = [r["description"] for r in made], [stage_seed(r["seed"], REACTION_STAGE) for r in made]
    if config.person2 == "coupled":
        if pieces.coupler is None:
            raise ComposeRunError("person2 coupled needs a coupler (the single-person prior and the pair model)")
        pairs = pieces.coupler.couple(motions, texts, [r["prompt2"] for r in made], [r["theme"] for r in made], seeds)
        made_by = "the coupled person-2 model"
    else:
        pairs, made_by = pieces.reaction.react(motions, texts, seeds), "the reaction model"
    pairs = [_check_features(made_by, p, (2, r["frames"], 262)) for p, r in zip(pairs, made)]
    scores = score_pairs(pieces.scorer, [r["description"] for r in made], pairs)
    for record, pair in zip(made, pairs):
        write_candidate_motion(out, record["id"], pair, record["description"], record["prompt1"], record["prompt2"])
    arrays = {"index": np.array([r["index"] for r in made], dtype=np.int64), "cosine": scores.cosine,
              "motion": scores.motion, "text": scores.text, **physical_measures(pairs)}
    if pieces.person_scorer is not None:
        arrays["person_cosine"] = score_persons(pieces.person_scorer, [r["prompt1"] for r in made],
                                                [r["prompt2"] for r in made], pairs)
    return records, arrays


# -- ranks ---------------------------------------------------------------------------------------
def distributed_rank() -> tuple[int, int]:
    """(rank, world size) from torchrun's environment; (0, 1) without it."""
    try:
        rank, world = int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1))
    except ValueError:
        raise ComposeRunError("RANK and WORLD_SIZE must be integers (as torchrun sets them)") from None
    if world < 1 or not 0 <= rank < world:
        raise ComposeRunError(f"need 0 <= RANK < WORLD_SIZE, got RANK {rank}, WORLD_SIZE {world}")
    return rank, world


def rank_indices(candidates: int, rank: int, world: int) -> list[int]:
    return list(range(rank, candidates, world))


def composing_order(config: ComposeConfig, indices: list[int]) -> list[int]:
    """The order a rank composes its candidates in (its chunks are consecutive runs of ``batch_size``).

    A chunk is padded to its longest candidate, so candidates of similar length go together: by their drawn
    length when person 1 is generated (it is generated at that length). A retrieved person 1 keeps its library
    motion's length, unknown before retrieval: index order. Either way the order is a function of the config
    and the indices, so a resumed run forms the same chunks as an uninterrupted one.
    """
    if config.person1 == "retrieved":
        return list(indices)
    return sorted(indices, key=lambda i: (candidate_frames(config, candidate_seed(config.seed, i)), i))


# -- the real side -------------------------------------------------------------------------------
@dataclass
class RealSide:
    scores: Scores                  # real captions against real motions, under the filter evaluator
    neighbours: RealNeighbours
    distances: np.ndarray           # leave-one-out real-to-real distances
    thresholds: Thresholds          # the run's: explicit radii, or the percentiles of ``distances``
    physical: dict[str, np.ndarray] = field(default_factory=dict)  # the physical measures of (a sample of) real clips


def real_physical(real: RealSet, seed: int, max_clips: int = REAL_PHYSICAL_CLIPS) -> dict[str, np.ndarray]:
    """The physical measures of up to ``max_clips`` real clips (a seeded sample), for the physical limits."""
    count = len(real.ids)
    chosen = np.sort(np.random.default_rng(seed).permutation(count)[:max_clips])
    return physical_measures([real.features(int(i), max_frames=None) for i in chosen])


def embed_real(real: RealSet, scorer: TextMotionScorer, batch_size: int, progress: bool = False) -> Scores:
    captions, parts = real.captions, []
    max_frames = scorer.model.config.max_frames
    for start in tqdm(range(0, len(captions), batch_size), desc="embedding real clips", disable=not progress,
                      unit="batch"):
        stop = min(start + batch_size, len(captions))
        motions = [real.features(i, max_frames) for i in range(start, stop)]
        parts.append(score_pairs(scorer, captions[start:stop], motions))
    return Scores(*(np.concatenate([getattr(p, name) for p in parts]) for name in ("cosine", "motion", "text")))


def real_side(real: RealSet, scorer: TextMotionScorer, config: ComposeConfig, progress: bool = False) -> RealSide:
    scores = embed_real(real, scorer, max(config.batch_size, 64), progress)
    try:
        neighbours = RealNeighbours(scores.motion, config.k)
        distances = neighbours.real_distances()
        r_min, r_max = default_radii(distances, (config.r_min_percentile, config.r_max_percentile))
        physical = real_physical(real, config.seed)
        limits = physical_limits(physical, config.physical_percentile) if config.physical_percentile else {}
        thresholds = Thresholds(config.delta, config.r_min if config.r_min is not None else r_min,
                                config.r_max if config.r_max is not None else r_max, config.k,
                                person_delta=config.person_delta, **limits)
    except ValueError as error:
        raise ComposeRunError(str(error)) from None
    return RealSide(scores, neighbours, distances, thresholds, physical)


# -- the run -------------------------------------------------------------------------------------
def run_compose(config: ComposeConfig, real: RealSet, out: str | Path, pieces: ComposePieces,
                filter_evaluator: str | Path = "", rank: int | None = None, world: int | None = None,
                progress: bool = True, log=print) -> ComposeOutput | None:
    """Compose this rank's slice (resuming its journal) and, on rank 0, merge into the output folder.

    Returns the output (rank 0) or None (other ranks). Everything that can be checked is checked
    before anything is written.
    """
    out = Path(out).expanduser()
    if rank is None or world is None:
        rank, world = distributed_rank()
    side = real_side(real, pieces.scorer, config, progress) if rank == 0 else None
    if side is not None:
        log(describe_real_cosines(side.scores.cosine, config.delta))
    _check_run_file(out, config, pieces.sources, pieces.scorers)
    descriptions = pieces.descriptions.sample(config.candidates, config.seed)
    if len(descriptions) != config.candidates:
        raise ComposeRunError(f"the description source returned {len(descriptions)} descriptions for "
                              f"{config.candidates} asked")

    mine = rank_indices(config.candidates, rank, world)
    done = read_journal(out)
    todo = [i for i in composing_order(config, mine) if i not in done]
    writer = JournalWriter(out, rank)
    bar = tqdm(total=len(mine), initial=len(mine) - len(todo), desc=f"composing (rank {rank}/{world})",
               unit="candidate", disable=not progress)
    for start in range(0, len(todo), config.batch_size):
        indices = todo[start:start + config.batch_size]
        records, arrays = compose_chunk(indices, descriptions, config, pieces, out)
        name = f"{CHUNKS_DIR}/{indices[0]:07d}.npz"
        save_npz(out / JOURNAL_DIR / name, **arrays)
        writer.commit({"file": name, "indices": indices, "records": records})
        bar.update(len(indices))
    bar.close()
    if rank != 0:
        return None
    return merge(config, real, out, pieces, side, filter_evaluator, log)


def _wait_for_all(out: Path, candidates: int, log) -> dict[int, tuple[dict, str]]:
    announced = False
    while True:
        done = read_journal(out)
        missing = candidates - sum(1 for i in done if i < candidates)
        if missing == 0:
            return done
        if not announced:
            log(f"waiting for the other ranks ({missing} candidates to go)")
            announced = True
        time.sleep(WAIT_SECONDS)


def merge(config: ComposeConfig, real: RealSet, out: Path, pieces: ComposePieces, side: RealSide,
          filter_evaluator, log=print) -> ComposeOutput:
    """Gather every committed chunk, measure distances, decide statuses, fit the projection, write OUT."""
    done = _wait_for_all(out, config.candidates, log)
    n, dim = config.candidates, side.scores.motion.shape[1]
    motion = np.full((n, dim), np.nan, dtype=np.float32)
    text = np.full((n, dim), np.nan, dtype=np.float32)
    cosine = np.full(n, np.nan, dtype=np.float32)
    # Chunks committed before a measure existed lack it: NaN there (never rejected by its filter).
    optional = {name: np.full(n, np.nan, dtype=np.float32) for name in PHYSICAL_COLUMNS}
    person = np.full((n, 2), np.nan, dtype=np.float32)
    for file in sorted({f for _, f in done.values()}):
        with np.load(out / JOURNAL_DIR / file, allow_pickle=False) as chunk:
            rows = chunk["index"]
            motion[rows], text[rows], cosine[rows] = chunk["motion"], chunk["text"], chunk["cosine"]
            for name in optional:
                if name in chunk:
                    optional[name][rows] = chunk[name]
            if "person_cosine" in chunk:
                person[rows] = chunk["person_cosine"]
    if pieces.person_scorer is not None:
        optional.update({"person1_cosine": person[:, 0], "person2_cosine": person[:, 1]})
    elif side.thresholds.person_filter:
        raise ComposeRunError("person_delta needs the per-person scores of a single-person evaluator "
                              "(--person-evaluator)")
    records = [done[i][0] for i in range(n)]
    has_motion = np.array([not r["reason"] for r in records])
    distance = np.full(n, np.nan, dtype=np.float32)
    distance[has_motion] = side.neighbours.distance(motion[has_motion])
    status = statuses(cosine, distance, has_motion, side.thresholds,
                      person if pieces.person_scorer is not None else None, optional)
    candidates = typed_candidates([{**r, "cosine": c, "distance": d, "status": s,
                                    **{name: values[i] for name, values in optional.items()}}
                                   for i, (r, c, d, s) in enumerate(zip(records, cosine, distance, status))])

    real_xy, synthetic_xy_made, method = fit_projection(side.scores.motion, motion[has_motion], seed=config.seed)
    synthetic_xy = np.full((n, 2), np.nan, dtype=np.float32)
    synthetic_xy[has_motion] = synthetic_xy_made
    labeler = pieces.real_labeler
    labels = [labeler(c) if labeler is not None else ("", ()) for c in real.captions]
    real_rows = [{"id": i, "caption": c, "theme": theme, "tags": ",".join(tags)}
                 for i, c, (theme, tags) in zip(real.ids, real.captions, labels)]
    t = side.thresholds
    info = {
        "set_id": config.set_id(pieces.sources), "config": asdict(config), "real": str(real.root),
        "sources": pieces.sources, "scorers": pieces.scorers,
        "filter_evaluator": str(filter_evaluator), "defaults": _finite(t.to_dict()),
        "real_distance_percentiles": distance_percentiles(side.distances),
        "real_cosine_percentiles": distance_percentiles(side.scores.cosine),
        "real_physical_percentiles": real_physical_percentiles(side.physical),
        "projection": method, "pieces": pieces.names,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    write_output(out, info, candidates, real_rows, {"synthetic": motion, "real": side.scores.motion,
                                                    "synthetic_text": text},
                 {"synthetic": synthetic_xy, "real": real_xy}, t)
    log(f"annulus: k = {t.k}, real-to-real distance "
        + ", ".join(f"{k} {v:.3f}" for k, v in info["real_distance_percentiles"].items())
        + f"; r_min {t.r_min:.4f}{' (given)' if config.r_min is not None else f' (p{config.r_min_percentile:g})'}"
        + f", r_max {t.r_max:.4f}{' (given)' if config.r_max is not None else f' (p{config.r_max_percentile:g})'}")
    if t.physical_filter:
        log(f"physical limits (p{config.physical_percentile:g} of {len(next(iter(side.physical.values())))} real "
            f"clips): penetration {t.max_penetration:.4f} m, jitter {t.max_jitter:.3f} m/s^2, foot skating "
            f"{t.max_foot_skating:.4f}")
    if t.person_filter:
        log(f"per-person filter: both persons' own cosines >= {t.person_delta:g}")
    log(report(candidates))
    return read_compose_output(out)


def _finite(payload: dict) -> dict:
    return {k: (None if isinstance(v, float) and math.isinf(v) else v) for k, v in payload.items()}


def report(candidates: pd.DataFrame) -> str:
    """Counts per status and per theme (what ``filter`` and ``run`` print)."""
    total = len(candidates)
    counts = status_counts(candidates["status"])
    lines = [f"{total} candidates: " + ", ".join(f"{k} {v} ({v / max(total, 1):.1%})" for k, v in counts.items())]
    for theme, by_status in counts_by_theme(candidates).items():
        lines.append(f"  {theme or '(no theme)'}: " + ", ".join(f"{k} {v}" for k, v in by_status.items() if v))
    reasons = candidates.loc[candidates["reason"] != "", "reason"].value_counts()
    for reason, count in reasons.items():
        lines.append(f"  unsplittable, {count}: {reason}")
    return "\n".join(lines)
