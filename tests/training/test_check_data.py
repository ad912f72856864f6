import numpy as np

from tests.fixtures import build_folder, random_raw_pair, write_clip
from training import check_data


def test_reports_every_problem_and_a_histogram(tmp_path, capsys):
    root = build_folder(tmp_path / "d", {"train": ["a", "b", "short", "bad"], "test": ["t", "ghost"]},
                        frames={"short": 12, "b": 200})
    raw1, raw2 = random_raw_pair(3, 30)
    raw2[4, 1] = np.nan
    write_clip(root, "bad", raw1, raw2)
    for person in (1, 2):
        (root / "motions_processed" / f"person{person}" / "ghost.npy").unlink()
    assert check_data.main([str(root)]) == 0
    out = capsys.readouterr().out
    assert "train: 2 usable of 4 listed (0 ignored, 2 with problems)" in out
    assert "short: too short: 11 processed frames" in out
    assert "bad: person2: contains NaN or infinite values" in out
    assert "ghost: missing motion file" in out
    assert "val: no split file" in out
    assert "180-239      1" in out and "30-59      1" in out
    assert "folder is usable for training" in out


def test_unusable_folder_exits_non_zero(tmp_path, capsys):
    assert check_data.main([str(tmp_path / "missing")]) == 1
    assert "data folder not found" in capsys.readouterr().out
    root = build_folder(tmp_path / "d", {"test": ["a"]})
    assert check_data.main([str(root)]) == 1
    out = capsys.readouterr().out
    assert "missing split file" in out and "NOT usable" in out
    (root / "motions_processed" / "person2").rename(root / "p2")
    assert check_data.main([str(root)]) == 1
    assert "missing folder" in capsys.readouterr().out
