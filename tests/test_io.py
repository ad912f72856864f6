"""Loading user .npy files: anything but a whole, plain array gets our own message, naming no file."""

from __future__ import annotations

import numpy as np
import pytest

from t2i_core.io import FolderExistsError, NpyFormatError, load_npy_safely, npy_header, save_npy, staged_folder


def test_plain_arrays_load(tmp_path):
    for array in (np.arange(12, dtype=np.float32).reshape(3, 4), np.float64(2.5), np.zeros((0, 492))):
        path = save_npy(tmp_path / "a.npy", array)
        assert npy_header(path) == (array.shape, array.dtype)
        assert np.array_equal(load_npy_safely(path), array)
        assert load_npy_safely(path, mmap=True).shape == array.shape


def absurd_header(tmp_path):
    """A valid .npy whose header is rewritten (same length) to claim 3e9 x 4e5 float64 over 96 bytes."""
    path = save_npy(tmp_path / "absurd.npy", np.zeros((3, 4)))
    raw = path.read_bytes()
    end = raw.index(b"\n")
    header = raw[10:end].decode("latin1").replace("(3, 4)", "(3000000000, 400000)").rstrip().ljust(end - 10)
    path.write_bytes(raw[:10] + header.encode("latin1") + raw[end:])
    return path


@pytest.mark.parametrize("case, expected", [
    ("empty", "empty \\(0 bytes\\)"),
    ("text", "not a .npy array file"),
    ("absurd", "claims shape \\(3000000000, 400000\\).*96 bytes"),
    ("truncated", "claims shape \\(3, 4\\)"),
    ("objects", "Python objects"),
    ("damaged", "header is damaged"),
])
def test_broken_files_get_a_clear_message(tmp_path, case, expected):
    path = tmp_path / "x.npy"
    if case == "empty":
        path.write_bytes(b"")
    elif case == "text":
        path.write_text("root:x:0:0:root:/root:/bin/bash\n")
    elif case == "absurd":
        path = absurd_header(tmp_path)
    elif case == "truncated":
        path.write_bytes(save_npy(tmp_path / "t.npy", np.zeros((3, 4))).read_bytes()[:-8])
    elif case == "objects":
        np.save(path, np.array([1, "a"], dtype=object), allow_pickle=True)
    else:
        path.write_bytes(b"\x93NUMPY\x01\x00\x10\x00{'descr': <f8\n")
    for load in (npy_header, load_npy_safely, lambda p: load_npy_safely(p, mmap=True)):
        with pytest.raises(NpyFormatError, match=expected) as caught:
            load(path)
        assert str(tmp_path) not in str(caught.value) and "x.npy" not in str(caught.value)


def test_compressed_npz_deflates_and_loads_the_same(tmp_path):
    import zipfile

    from t2i_core.io import save_npz

    zeros = np.zeros((1000, 66), dtype=np.int16)
    plain, packed = save_npz(tmp_path / "a.npz", x=zeros), save_npz(tmp_path / "b.npz", compress=True, x=zeros)
    assert packed.stat().st_size < plain.stat().st_size / 10
    assert zipfile.ZipFile(packed).infolist()[0].compress_type == zipfile.ZIP_DEFLATED
    assert np.array_equal(np.load(packed, allow_pickle=False)["x"], zeros)


def test_a_staged_folder_appears_whole_or_not_at_all(tmp_path):
    out = tmp_path / "built"
    with staged_folder(out) as stage:
        (stage / "a.txt").write_text("a")
        assert not out.exists()
    assert (out / "a.txt").read_text() == "a" and sorted(p.name for p in tmp_path.iterdir()) == ["built"]

    failed = tmp_path / "failed"
    with pytest.raises(RuntimeError), staged_folder(failed) as stage:
        (stage / "half.txt").write_text("half")
        raise RuntimeError("interrupted")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["built"]

    with pytest.raises(FolderExistsError, match="not empty"), staged_folder(out):
        pass
    assert (out / "a.txt").read_text() == "a"
    empty = tmp_path / "empty"
    empty.mkdir()
    with staged_folder(empty) as stage:
        (stage / "b.txt").write_text("b")
    assert (empty / "b.txt").read_text() == "b"
