import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from t2i_core.compose.descriptions import SpaceDescriptions
from t2i_core.compose.generation import GeneratedPerson1, PipelineReaction
from t2i_core.compose.interfaces import SplitFailure
from t2i_core.compose.output import read_compose_output
from t2i_core.compose.run import (
    ComposeConfig,
    ComposePieces,
    ComposeRunError,
    JournalWriter,
    candidate_seed,
    journal_file,
    load_real_set,
    rank_indices,
    read_journal,
    run_compose,
)
from t2i_core.compose.scoring import load_filter_scorer
from t2i_core.compose.space import label_caption, mine_space
from t2i_core.compose.splitter import RunSplitter
from t2i_core.io import load_npy_safely
from t2i_core.pipeline import Text2InteractPipeline

REPO = Path(__file__).resolve().parents[2]
FAST = {"steps": 4, "k": 3, "min_seconds": 1.0, "max_seconds": 2.0}


@pytest.fixture(scope="module")
def real(real_folder, tmp_path_factory):
    return load_real_set(real_folder, cache_dir=tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def scorer(evaluator_dir, encoder):
    return load_filter_scorer(evaluator_dir, text_encoder=encoder)


@pytest.fixture(scope="module")
def pipe(interactor_dir, encoder):
    return Text2InteractPipeline.from_pretrained(interactor_dir, text_encoder=encoder)


class SplitSome:
    """Splits like the inner splitter, but fails on every description of an even number of characters."""

    def __init__(self, inner):
        self.inner = inner

    def split(self, text):
        return SplitFailure("no second clause") if len(text) % 2 == 0 else self.inner.split(text)


def pieces_for(config, real, pipe, scorer, splitter=None):
    return ComposePieces(SpaceDescriptions(mine_space(real.root)), splitter or RunSplitter(),
                         GeneratedPerson1(pipe, config.guidance_scale, config.steps),
                         PipelineReaction(pipe, "inpaint", config.guidance_scale, config.steps), scorer,
                         real_labeler=label_caption)


def compose(out, real, pipe, scorer, rank=0, world=1, splitter=None, **settings):
    config = ComposeConfig(**{"candidates": 6, "person1": "joint", **FAST, **settings})
    return run_compose(config, real, out, pieces_for(config, real, pipe, scorer, splitter), rank=rank, world=world,
                       progress=False, log=lambda *_: None)


def motion(out, cid):
    return np.stack([load_npy_safely(Path(out) / "motions_processed" / f"person{p}" / f"{cid}.npy") for p in (1, 2)])


def test_config_errors_are_clear():
    for kwargs, message in [({"candidates": 0}, "candidates must be an integer >= 1"),
                            ({"delta": 1.2}, r"delta must lie in \[-1, 1\]"),
                            ({"r_min": 0.5, "r_max": 0.1}, "r_min must not exceed r_max"),
                            ({"min_seconds": 5, "max_seconds": 2}, "min_seconds <= max_seconds"),
                            ({"k": 0}, "k .* must be an integer >= 1"),
                            ({"person1": "dreamed"}, "accepted: retrieved, generated, joint"),
                            ({"reaction": "inpainting"}, "accepted: trained, inpaint")]:
        with pytest.raises(ComposeRunError, match=message):
            ComposeConfig(**kwargs)


def test_candidate_seeds_depend_on_seed_and_index_only():
    assert candidate_seed(0, 5) == candidate_seed(0, 5)
    assert len({candidate_seed(s, i) for s in range(3) for i in range(50)}) == 150
    slices = [rank_indices(7, r, 3) for r in range(3)]
    assert slices[1] == [1, 4] and sorted(i for s in slices for i in s) == list(range(7))


def test_same_seed_same_candidates_and_another_seed_others(tmp_path, real, pipe, scorer):
    first = compose(tmp_path / "a", real, pipe, scorer, seed=3)
    again = compose(tmp_path / "b", real, pipe, scorer, seed=3)
    other = compose(tmp_path / "c", real, pipe, scorer, seed=4)
    assert first.candidates.equals(again.candidates)
    assert np.array_equal(first.embeddings()["synthetic"], again.embeddings()["synthetic"])
    assert np.array_equal(motion(tmp_path / "a", "c0000001"), motion(tmp_path / "b", "c0000001"))
    assert not first.candidates["seed"].equals(other.candidates["seed"])
    assert first.info["set_id"] == again.info["set_id"] != other.info["set_id"]
    assert (first.candidates["person1_source"] == "generated:joint").all()
    assert first.candidates["frames"].between(30, 60).all()


def test_batching_and_ranks_do_not_change_the_candidates(tmp_path, real, pipe, scorer):
    whole = compose(tmp_path / "whole", real, pipe, scorer, batch_size=6)
    single = compose(tmp_path / "single", real, pipe, scorer, batch_size=1)
    assert compose(tmp_path / "ranks", real, pipe, scorer, batch_size=2, rank=1, world=2) is None
    ranks = compose(tmp_path / "ranks", real, pipe, scorer, batch_size=2, rank=0, world=2)
    exact = ["id", "description", "prompt1", "prompt2", "seed", "frames", "person1_source"]
    for other, folder in ((single, "single"), (ranks, "ranks")):
        assert other.candidates[exact].equals(whole.candidates[exact])
        # padding to a batch's longest item moves only the last bits of a float
        assert np.allclose(other.candidates["cosine"], whole.candidates["cosine"], atol=1e-4)
        for cid in whole.candidates["id"]:
            assert np.allclose(motion(tmp_path / folder, cid), motion(tmp_path / "whole", cid), atol=1e-3)
    journal = read_journal(tmp_path / "ranks")
    assert sorted(journal) == list(range(6))
    assert {i for i, (_, f) in journal.items()} == set(range(6))
    assert journal_file(tmp_path / "ranks", 1).is_file()


def test_the_real_pieces_label_the_table_from_the_prompt_space(tmp_path, real, pipe, scorer):
    output = compose(tmp_path / "out", real, pipe, scorer, candidates=4)
    made = output.candidates[output.candidates["status"] != "unsplittable"]
    assert len(made) > 0 and (made["prompt1"] != "").all() and (made["prompt2"] != "").all()
    assert (output.candidates["theme"] != "").all()
    assert output.real["theme"].tolist() == [label_caption(c)[0] for c in output.real["caption"]]


def test_unsplittable_descriptions_are_kept_in_the_table_with_their_reason(tmp_path, real, pipe, scorer):
    inner = pieces_for(ComposeConfig(**FAST), real, pipe, scorer).splitter
    output = compose(tmp_path / "out", real, pipe, scorer, candidates=10, splitter=SplitSome(inner))
    failed = output.candidates[output.candidates["status"] == "unsplittable"]
    assert 0 < len(failed) < 10 and (failed["reason"] == "no second clause").all() and (failed["frames"] == 0).all()
    assert (failed["description"].str.len() % 2 == 0).all()
    listed = (tmp_path / "out" / "split" / "all.txt").read_text().split()
    assert set(listed) == set(output.candidates["id"]) - set(failed["id"])
    assert np.isnan(output.embeddings()["synthetic"][failed["index"].to_numpy()]).all()
    assert not (tmp_path / "out" / "motions_processed" / "person1" / f"{failed['id'].iloc[0]}.npy").exists()


def test_another_run_in_the_same_folder_is_refused(tmp_path, real, pipe, scorer):
    compose(tmp_path / "out", real, pipe, scorer, seed=0, candidates=2)
    with pytest.raises(ComposeRunError, match="other settings .*seed"):
        compose(tmp_path / "out", real, pipe, scorer, seed=1, candidates=2)
    (tmp_path / "stuff").mkdir()
    (tmp_path / "stuff" / "notes.txt").write_text("mine")
    with pytest.raises(ComposeRunError, match="not empty and holds no compose run"):
        compose(tmp_path / "stuff", real, pipe, scorer, candidates=2)


def test_a_torn_journal_line_is_dropped(tmp_path):
    path = journal_file(tmp_path, 0)
    path.parent.mkdir(parents=True)
    good = json.dumps({"file": "chunks/0000000.npz", "indices": [0], "records": [{"index": 0}]}) + "\n"
    path.write_text(good + '{"file": "chunks/00')
    assert list(read_journal(tmp_path)) == [0]
    JournalWriter(tmp_path, 0).commit({"file": "chunks/0000001.npz", "indices": [1], "records": [{"index": 1}]})
    assert sorted(read_journal(tmp_path)) == [0, 1]
    assert path.read_text().count("\n") == 2


def cli(out, real_folder, interactor_dir, evaluator_dir, cache, candidates, *extra):
    return [sys.executable, "-m", "training.compose", "run", "--real", str(real_folder), "--out", str(out),
            "--candidates", str(candidates), "--seed", "5", "--filter-evaluator", str(evaluator_dir), "--model",
            str(interactor_dir), "--k", "3", "--min-seconds", "1", "--max-seconds", "2", "--cache-dir", str(cache),
            "--no-progress", "--device", "cpu", *extra]


ENV = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def same_output(a: Path, b: Path):
    first, second = read_compose_output(a), read_compose_output(b)
    assert first.candidates.equals(second.candidates)
    for name in ("synthetic", "real", "synthetic_text"):
        assert np.array_equal(first.embeddings()[name], second.embeddings()[name], equal_nan=True)
    assert np.array_equal(first.projection()["synthetic"], second.projection()["synthetic"], equal_nan=True)
    for cid in first.candidates["id"]:
        assert np.array_equal(motion(a, cid), motion(b, cid))


def test_resume_after_sigkill_gives_the_uninterrupted_output(tmp_path, real_folder, interactor_dir, evaluator_dir):
    candidates, args = 10, ("--batch-size", "1", "--steps", "40")
    base = cli(tmp_path / "whole", real_folder, interactor_dir, evaluator_dir, tmp_path / "cache", candidates, *args)
    subprocess.run(base, cwd=REPO, env=ENV, check=True, capture_output=True)
    killed = cli(tmp_path / "killed", real_folder, interactor_dir, evaluator_dir, tmp_path / "cache", candidates, *args)
    process = subprocess.Popen(killed, cwd=REPO, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    journal = journal_file(tmp_path / "killed", 0)
    deadline = time.time() + 120
    while time.time() < deadline and process.poll() is None:
        if journal.is_file() and journal.read_text().count("\n") >= 2:
            os.kill(process.pid, signal.SIGKILL)
            break
        time.sleep(0.01)
    process.wait()
    assert process.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    committed = len(read_journal(tmp_path / "killed"))
    assert 2 <= committed < candidates and not (tmp_path / "killed" / "compose.json").exists()
    subprocess.run(killed, cwd=REPO, env=ENV, check=True, capture_output=True)
    same_output(tmp_path / "whole", tmp_path / "killed")
    lines = [json.loads(line) for line in journal.read_text().splitlines()]
    indices = [i for line in lines for i in line["indices"]]
    assert sorted(indices) == list(range(candidates))  # nothing lost, nothing twice


@pytest.mark.slow  # trains or runs torchrun
def test_torchrun_two_ranks_compose_disjoint_slices(tmp_path, real_folder, interactor_dir, evaluator_dir):
    torchrun = Path(sys.executable).with_name("torchrun")
    if not torchrun.is_file():
        pytest.skip("torchrun is not installed next to this python")
    candidates, args = 6, ("--batch-size", "2", "--steps", "4")
    single = cli(tmp_path / "single", real_folder, interactor_dir, evaluator_dir, tmp_path / "cache", candidates, *args)
    subprocess.run(single, cwd=REPO, env=ENV, check=True, capture_output=True)
    ranks = cli(tmp_path / "ranks", real_folder, interactor_dir, evaluator_dir, tmp_path / "cache", candidates, *args)
    result = subprocess.run([str(torchrun), "--standalone", "--nproc_per_node=2", *ranks[1:]], cwd=REPO, env=ENV,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    for rank, expected in ((0, [0, 2, 4]), (1, [1, 3, 5])):
        lines = [json.loads(line) for line in journal_file(tmp_path / "ranks", rank).read_text().splitlines()]
        assert sorted(i for line in lines for i in line["indices"]) == expected
    first, second = read_compose_output(tmp_path / "single"), read_compose_output(tmp_path / "ranks")
    exact = ["id", "description", "prompt1", "prompt2", "seed", "frames"]
    assert first.candidates[exact].equals(second.candidates[exact])
    assert np.allclose(first.candidates["cosine"], second.candidates["cosine"], atol=1e-4)


def test_a_resume_with_other_sources_or_scorers_is_refused(tmp_path, real, pipe, scorer):
    config = ComposeConfig(**{"candidates": 2, "person1": "joint", **FAST})
    pieces = pieces_for(config, real, pipe, scorer)
    pieces.sources = {"model": {"path": "/a", "digest": "aa"}, "library": {"path": "/l", "digest": "ll"}}
    pieces.scorers = {"filter_evaluator": {"path": "/f", "digest": "ff"}}
    quiet = {"progress": False, "log": lambda *_: None}
    out = tmp_path / "out"
    first = run_compose(config, real, out, pieces, **quiet)
    assert first.info["sources"] == pieces.sources and first.info["scorers"] == pieces.scorers
    assert first.info["set_id"] == config.set_id(pieces.sources) != config.set_id()
    pieces.sources["model"]["path"] = "/moved"  # the same checkpoint in another folder: accepted
    run_compose(config, real, out, pieces, **quiet)
    for part, name, changed in (("sources", "library", "sources.library.digest"),
                                ("scorers", "filter_evaluator", "scorers.filter_evaluator.digest")):
        other = {**getattr(pieces, part), name: {"path": "/x", "digest": "other"}}
        mixed = ComposePieces(**{**pieces.__dict__, part: other})
        with pytest.raises(ComposeRunError, match=f"other settings or inputs \\(changed: {changed}\\)"):
            run_compose(config, real, out, mixed, **quiet)
    for setting, value in (("descriptions", "broad"), ("person2", "coupled")):
        with pytest.raises(ComposeRunError, match=f"changed: [^)]*{setting}"):
            run_compose(ComposeConfig(**{**config.__dict__, setting: value}), real, out, pieces, **quiet)


def test_a_journal_of_an_older_version_is_refused(tmp_path, real, pipe, scorer):
    out = tmp_path / "old"
    (out / "journal").mkdir(parents=True)
    (out / "journal" / "run.json").write_text(json.dumps({"set_id": "x", "generation": {"seed": 0}}))
    with pytest.raises(ComposeRunError, match="started by an older version"):
        compose(out, real, pipe, scorer, candidates=2)


def test_the_coupling_strength_is_part_of_the_identity_only_when_coupled():
    base = ComposeConfig(**FAST)
    assert "coupling_strength" not in base.generation_identity()
    assert base.set_id() == ComposeConfig(**FAST, coupling_strength=0.9).set_id()
    coupled = ComposeConfig(**FAST, person2="coupled")
    assert coupled.generation_identity()["coupling_strength"] == 0.5
    assert coupled.set_id() != ComposeConfig(**FAST, person2="coupled", coupling_strength=0.9).set_id()
    for settings, message in (({"person2": "prior"}, "person2 'prior'; accepted: reaction, coupled"),
                              ({"descriptions": "all"}, "descriptions 'all'; accepted: space, broad"),
                              ({"coupling_strength": 0.0}, r"coupling_strength: strength must be .* in \(0, 1\]")):
        with pytest.raises(ComposeRunError, match=message):
            ComposeConfig(**settings)


def test_coupled_person2_composes_through_the_coupler(tmp_path, real, pipe, scorer, single_person_dir, encoder):
    from t2i_core.compose.generation import CoupledPerson2
    from t2i_core.compose.placement import PlacementTable

    config = ComposeConfig(**{"candidates": 3, "person1": "joint", "person2": "coupled", "coupling_strength": 0.5,
                              **FAST})
    prior = Text2InteractPipeline.from_pretrained(single_person_dir, text_encoder=encoder)
    pieces = pieces_for(config, real, pipe, scorer)
    quiet = {"progress": False, "log": lambda *_: None}
    with pytest.raises(ComposeRunError, match="person2 coupled needs a coupler"):
        run_compose(config, real, tmp_path / "none", pieces, **quiet)
    pieces.coupler = CoupledPerson2(prior, pipe, PlacementTable.from_real(real, label_caption), "inpaint", 0.5,
                                    config.guidance_scale, config.steps)
    output = run_compose(config, real, tmp_path / "out", pieces, **quiet)
    made = output.candidates[output.candidates["frames"] > 0]
    assert len(made) > 0 and output.info["config"]["person2"] == "coupled"
    reaction = compose(tmp_path / "reaction", real, pipe, scorer, candidates=3)
    for cid in made["id"]:  # same person 1 (same seeds), another person 2
        a, b = motion(tmp_path / "out", cid), motion(tmp_path / "reaction", cid)
        assert np.array_equal(a[0], b[0]) and not np.allclose(a[1], b[1], atol=1e-3)
    assert reaction.info["set_id"] != output.info["set_id"]


def test_generated_person1_is_composed_in_chunks_of_similar_length():
    from t2i_core.compose.run import candidate_frames, composing_order

    config = ComposeConfig(**{**FAST, "candidates": 40, "person1": "joint", "min_seconds": 1.0, "max_seconds": 6.0})
    order = composing_order(config, list(range(40)))
    frames = [candidate_frames(config, candidate_seed(config.seed, i)) for i in order]
    assert sorted(order) == list(range(40)) and frames == sorted(frames) and frames[0] < frames[-1]
    index_chunks = [range(s, s + 8) for s in range(0, 40, 8)]
    padded = sum(8 * max(candidate_frames(config, candidate_seed(config.seed, i)) for i in c) for c in index_chunks)
    assert sum(8 * max(frames[s:s + 8]) for s in range(0, 40, 8)) < 0.9 * padded  # less padding to compute
    retrieved = ComposeConfig(**{**FAST, "candidates": 40})
    assert composing_order(retrieved, [3, 1, 2]) == [3, 1, 2]  # its lengths come from the library


def test_a_resumed_run_recomposes_its_chunks_bit_for_bit(tmp_path, real, pipe, scorer):
    """The chunks (sorted by length) of a run continued after its first commit are the uninterrupted run's."""
    import shutil

    whole = compose(tmp_path / "whole", real, pipe, scorer, batch_size=2, min_seconds=1.0, max_seconds=3.0)
    shutil.copytree(tmp_path / "whole", tmp_path / "resumed")
    journal = journal_file(tmp_path / "resumed", 0)
    first_line = journal.read_text().splitlines()[0]
    assert json.loads(first_line)["indices"] != [0, 1]  # not index order: by length
    journal.write_text(first_line + "\n")
    (tmp_path / "resumed" / "compose.json").unlink()
    resumed = compose(tmp_path / "resumed", real, pipe, scorer, batch_size=2, min_seconds=1.0, max_seconds=3.0)
    assert resumed.candidates.equals(whole.candidates)
    for cid in whole.candidates.loc[whole.candidates["frames"] > 0, "id"]:
        assert np.array_equal(motion(tmp_path / "resumed", cid), motion(tmp_path / "whole", cid))
