import numpy as np

from t2i_core.data.interhuman import InterHumanDataset
from t2i_core.motion.mirror import mirror_features
from t2i_core.skeleton import LEFT_JOINTS, RIGHT_JOINTS
from tests.fixtures import build_folder
from training import compute_stats


def test_stats_are_reproducible_symmetric_and_over_train_with_mirrors(tmp_path):
    root = build_folder(tmp_path / "d", {"train": ["a", "b", "c"], "test": ["z"]}, frames={"b": 90})
    out1, out2 = tmp_path / "s1.npz", tmp_path / "s2.npz"
    assert compute_stats.main(["--data", str(root), "--out", str(out1), "--cache-dir", str(tmp_path / "c1")]) == 0
    assert compute_stats.main(["--data", str(root), "--out", str(out2), "--cache-dir", str(tmp_path / "c2")]) == 0
    assert out1.read_bytes() == out2.read_bytes()

    stats = np.load(out1)
    assert stats["mean"].shape == stats["std"].shape == (262,)
    data = InterHumanDataset(root, "train", mode="eval", mirror=False, cache_dir=tmp_path / "c1", progress=False)
    frames = np.concatenate(
        [np.concatenate([f, mirror_features(f)], axis=1).reshape(-1, 262)
         for f in (data.full_features(i).astype(np.float64) for i in range(3))]
    )
    assert np.allclose(stats["mean"], frames.mean(axis=0), atol=1e-6)
    assert np.allclose(stats["std"], np.maximum(frames.std(axis=0), 1e-4), rtol=1e-4, atol=1e-6)
    positions_mean = stats["mean"][:66].reshape(22, 3)
    # mirrored copies make left/right symmetric: x means of a pair are opposite, y means equal
    assert np.allclose(positions_mean[list(LEFT_JOINTS), 0], -positions_mean[list(RIGHT_JOINTS), 0], atol=1e-6)
    assert np.allclose(positions_mean[list(LEFT_JOINTS), 1], positions_mean[list(RIGHT_JOINTS), 1], atol=1e-6)


def test_missing_folder_is_an_error_exit(tmp_path, capsys):
    assert compute_stats.main(["--data", str(tmp_path / "none"), "--out", str(tmp_path / "s.npz")]) == 2
    assert "data folder not found" in capsys.readouterr().err
    assert not (tmp_path / "s.npz").exists()
