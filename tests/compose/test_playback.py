import numpy as np
import pytest

from t2i_core.compose.output import read_compose_output
from t2i_core.compose.playback import PLAYBACK_FILE, PlaybackStore, write_playback
from t2i_core.data.clips import FeatureCache
from t2i_core.data.layout import InterHumanLayout
from t2i_core.io import load_npy_safely
from t2i_core.motion.features import features_to_joints
from tests.fixtures import build_compose_output
from training import compose


def test_playback_store_round_trips_to_the_millimetre_at_half_rate(tmp_path):
    rng = np.random.default_rng(0)
    joints = [rng.uniform(-3, 3, size=(2, n, 22, 3)) for n in (31, 60, 15)]
    write_playback(tmp_path, ["a", "b", "c"], joints)
    store = PlaybackStore(tmp_path)
    assert store.fps == 15 and "b" in store and "z" not in store
    for name, original in zip("abc", joints):
        back = store.joints(name)
        assert back.shape == original[:, ::2].shape
        assert np.abs(back - original[:, ::2]).max() <= 0.0005 + 1e-6
    with pytest.raises(ValueError, match="no motion"):
        store.joints("z")
    with pytest.raises(ValueError, match="divide 30"):
        write_playback(tmp_path, ["a"], joints[:1], fps=7)


def test_export_demo_drops_the_motion_files_and_keeps_every_candidate_playable(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("T2I_CACHE_DIR", str(tmp_path / "cache"))
    source = build_compose_output(tmp_path / "run", tmp_path / "real")
    assert compose.main(["export-demo", "--out", str(source), "--dest", str(tmp_path / "demo")]) == 0
    demo = tmp_path / "demo"
    assert (demo / PLAYBACK_FILE).is_file() and not (demo / "motions_processed").exists()
    opened, original = read_compose_output(demo), read_compose_output(source)
    assert opened.candidates.equals(original.candidates) and opened.info == original.info
    layout = InterHumanLayout.open(source)
    ids = (source / "split" / "all.txt").read_text().split()
    store = PlaybackStore(demo)
    assert len(ids) == int((original.candidates["frames"] > 0).sum())
    for clip in ids:
        features = load_npy_safely(FeatureCache(tmp_path / "cache2").record(layout, clip).features_path)
        expected = features_to_joints(features)[:, ::2]
        assert np.abs(store.joints(clip) - expected).max() <= 0.0005 + 1e-6
    assert compose.main(["export-demo", "--out", str(source), "--dest", str(demo)]) == 2  # never overwrites
    assert "exists" in capsys.readouterr().err
