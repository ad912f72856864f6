import json

import numpy as np
import pytest

from t2i_core.compose.filters import Thresholds, statuses
from t2i_core.compose.output import (
    CANDIDATES_FILE,
    ComposeOutputError,
    apply_thresholds,
    candidate_id,
    pair_to_raw,
    read_compose_output,
    write_candidate_motion,
    write_output,
)
from t2i_core.data.interhuman import InterHumanDataset
from t2i_core.motion.features import process_pair
from tests.fixtures import random_raw_pair


def test_pair_features_written_as_raw_process_back_to_themselves():
    features, _ = process_pair(*random_raw_pair(3, frames=40))
    raw1, raw2 = pair_to_raw(features)
    assert raw1.shape == (40, 492) and raw1.dtype == np.float32
    again, _ = process_pair(raw1, raw2)
    assert np.allclose(again, features, atol=1e-4)


def make_output(root, count=6, real=5, dim=4):
    rng = np.random.default_rng(0)
    rows = []
    for i in range(count):
        motion = i != 2  # candidate 2 could not be split
        rows.append({"id": candidate_id(i), "index": i, "description": f"scene {i}",
                     "theme": "greeting" if i % 2 else "dance", "tags": "slow,left",
                     "prompt1": "a person waves" if motion else "", "prompt2": "a person bows" if motion else "",
                     "person1_source": "generated:joint" if motion else "",
                     "seed": 100 + i, "frames": 30 if motion else 0, "cosine": 0.1 * i if motion else np.nan,
                     "distance": 0.2 * i if motion else np.nan, "status": "", "reason": "" if motion else "no clause",
                     "novel": i == 1})
        if motion:
            features, _ = process_pair(*random_raw_pair(i, frames=31))
            write_candidate_motion(root, candidate_id(i), features, f"scene {i}", "a person waves", "a person bows")
    thresholds = Thresholds(delta=0.15, r_min=0.3, r_max=0.9, k=3)
    has = np.array([r["frames"] > 0 for r in rows])
    for r, s in zip(rows, statuses(np.array([r["cosine"] for r in rows]), np.array([r["distance"] for r in rows]),
                                   has, thresholds)):
        r["status"] = s
    real_rows = [{"id": f"{i:04d}", "caption": f"real {i}", "theme": "", "tags": ""} for i in range(real)]
    embeddings = {"synthetic": rng.normal(size=(count, dim)), "real": rng.normal(size=(real, dim)),
                  "synthetic_text": rng.normal(size=(count, dim))}
    projection = {"synthetic": rng.normal(size=(count, 2)), "real": rng.normal(size=(real, 2))}
    write_output(root, {"set_id": "abc", "config": {"seed": 0}}, rows, real_rows, embeddings, projection, thresholds)
    return rows, embeddings


def test_round_trip(tmp_path):
    rows, embeddings = make_output(tmp_path)
    output = read_compose_output(tmp_path)
    assert output.candidates["id"].tolist() == [r["id"] for r in rows]
    assert output.candidates["status"].tolist() == ["low_cosine", "low_cosine", "unsplittable", "kept", "kept",
                                                    "too_far"]
    assert output.candidates["reason"][2] == "no clause" and bool(output.candidates["novel"][1])
    assert output.candidates["cosine"].dtype == np.float32
    assert output.thresholds == Thresholds(delta=0.15, r_min=0.3, r_max=0.9, k=3)
    assert output.kept_ids == ["c0000003", "c0000004"]
    assert (tmp_path / "kept.txt").read_text().split() == output.kept_ids
    assert (tmp_path / "split" / "train.txt").read_text().split() == output.kept_ids
    assert "c0000002" not in (tmp_path / "split" / "all.txt").read_text().split()
    assert np.allclose(output.embeddings()["synthetic"], embeddings["synthetic"])
    assert output.projection()["real"].shape == (5, 2)
    assert json.loads((tmp_path / "compose.json").read_text())["format"] == 1
    # train_interactor --data OUT reads the kept set through the ordinary reader
    kept = InterHumanDataset(tmp_path, "train", mode="eval", progress=False, cache_dir=tmp_path / "cache")
    assert kept.clip_ids == output.kept_ids and kept.entries[0].captions == ("scene 3",)


def test_apply_thresholds_rewrites_the_kept_set_without_generating(tmp_path):
    make_output(tmp_path)
    motion_files = sorted(p.name for p in (tmp_path / "motions_processed" / "person1").iterdir())
    output = apply_thresholds(tmp_path, delta=-1.0, r_min=0.0, r_max=10.0)
    assert output.candidates["status"].tolist() == ["kept", "kept", "unsplittable", "kept", "kept", "kept"]
    again = read_compose_output(tmp_path)
    assert again.kept_ids == output.kept_ids and again.thresholds.delta == -1.0 and again.thresholds.k == 3
    assert (tmp_path / "split" / "train.txt").read_text().split() == output.kept_ids
    assert sorted(p.name for p in (tmp_path / "motions_processed" / "person1").iterdir()) == motion_files


def test_bad_thresholds_change_nothing(tmp_path):
    make_output(tmp_path)
    before = (tmp_path / CANDIDATES_FILE).read_bytes(), (tmp_path / "kept.txt").read_text()
    with pytest.raises(ValueError, match="r_min must not exceed r_max"):
        apply_thresholds(tmp_path, delta=0.5, r_min=2.0, r_max=1.0)
    with pytest.raises(ValueError, match=r"delta must lie in \[-1, 1\]"):
        apply_thresholds(tmp_path, delta=3, r_min=0.0, r_max=1.0)
    assert ((tmp_path / CANDIDATES_FILE).read_bytes(), (tmp_path / "kept.txt").read_text()) == before


def test_validation_errors_say_what_is_wrong(tmp_path):
    with pytest.raises(ComposeOutputError, match="not found"):
        read_compose_output(tmp_path / "nowhere")
    (tmp_path / "journal").mkdir()
    with pytest.raises(ComposeOutputError, match="compose.json is missing .*run it again"):
        read_compose_output(tmp_path)
    make_output(tmp_path)
    info = json.loads((tmp_path / "compose.json").read_text())
    (tmp_path / "compose.json").write_text(json.dumps({**info, "format": 99}))
    with pytest.raises(ComposeOutputError, match="format 99"):
        read_compose_output(tmp_path)
    (tmp_path / "compose.json").write_text(json.dumps(info))
    (tmp_path / "embeddings.safetensors").unlink()
    with pytest.raises(ComposeOutputError, match="embeddings.safetensors is missing"):
        read_compose_output(tmp_path)


def test_unknown_status_and_wrong_array_rows_are_refused(tmp_path):
    import pandas as pd

    make_output(tmp_path)
    frame = pd.read_parquet(tmp_path / CANDIDATES_FILE)
    frame.loc[0, "status"] = "maybe"
    frame.to_parquet(tmp_path / CANDIDATES_FILE, index=False)
    with pytest.raises(ComposeOutputError, match="unknown statuses"):
        read_compose_output(tmp_path)
    frame.loc[0, "status"] = "kept"
    frame.iloc[:-1].to_parquet(tmp_path / CANDIDATES_FILE, index=False)
    with pytest.raises(ComposeOutputError, match="'synthetic' has shape"):
        read_compose_output(tmp_path).embeddings()


def test_an_output_made_before_the_person_and_physical_filters_loads_and_filters_as_before(tmp_path):
    rows, _ = make_output(tmp_path)
    (tmp_path / "thresholds.json").write_text(json.dumps({"delta": 0.15, "r_min": 0.3, "r_max": 0.9, "k": 3}))
    output = read_compose_output(tmp_path)
    assert not {"person1_cosine", "penetration"} & set(output.candidates.columns)
    assert output.thresholds.person_delta is None and not output.thresholds.physical_filter
    before = output.candidates["status"].tolist()
    again = apply_thresholds(tmp_path, 0.15, 0.3, 0.9)
    assert again.candidates["status"].tolist() == before == [r["status"] for r in rows]
    assert not {"person1_cosine", "penetration"} & set(read_compose_output(tmp_path).candidates.columns)
    for extra, message in (({"person_delta": 0.2}, "no per-person cosines"),
                           ({"max_jitter": 1.0}, "no physical measures")):
        with pytest.raises(ComposeOutputError, match=message):
            apply_thresholds(tmp_path, 0.15, 0.3, 0.9, **extra)
    assert read_compose_output(tmp_path).candidates["status"].tolist() == before  # nothing rewritten


def test_person_and_physical_columns_decide_their_statuses(tmp_path):
    make_output(tmp_path)
    output = read_compose_output(tmp_path)
    candidates = output.candidates.copy()
    n = len(candidates)
    candidates["person1_cosine"] = np.linspace(-0.5, 0.5, n).astype(np.float32)
    candidates["person2_cosine"] = np.float32(0.9)
    candidates["penetration"] = np.float32(0.0)
    candidates["jitter"] = np.arange(n, dtype=np.float32)
    candidates["foot_skating"] = np.float32(0.1)
    from t2i_core.compose.output import write_parquet

    write_parquet(tmp_path / CANDIDATES_FILE, candidates)
    loose = apply_thresholds(tmp_path, -1, 0, 100)
    assert set(loose.candidates.columns) >= {"person1_cosine", "person2_cosine", "penetration", "jitter",
                                             "foot_skating"}
    has = loose.candidates["frames"] > 0
    assert (loose.candidates.loc[has, "status"] == "kept").all()
    strict = apply_thresholds(tmp_path, -1, 0, 100, person_delta=0.0, max_jitter=3.5)
    expected = []
    for i in range(n):
        if i == 2:
            expected.append("unsplittable")
        elif candidates["person1_cosine"][i] < 0:
            expected.append("low_person_cosine")  # before the physical filter
        elif i > 3.5:
            expected.append("implausible")
        else:
            expected.append("kept")
    assert strict.candidates["status"].tolist() == expected
    assert read_compose_output(tmp_path).thresholds.max_jitter == 3.5
    assert json.loads((tmp_path / "thresholds.json").read_text())["person_delta"] == 0.0
    # the low cosine of the paper's filter still comes first; None turns a filter off
    first = apply_thresholds(tmp_path, 0.95, 0, 100)
    assert set(first.candidates["status"]) == {"low_cosine", "unsplittable"}
    off = apply_thresholds(tmp_path, -1, 0, 100, person_delta=None, max_jitter=None)
    assert (off.candidates.loc[has, "status"] == "kept").all()
