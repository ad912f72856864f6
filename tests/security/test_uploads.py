"""Uploads are judged by their headers: a file claiming a huge motion costs what the model's longest
clip costs, and an impossible header gets a message, never a MemoryError (issue 21)."""

from __future__ import annotations

import ast
import zipfile

import numpy as np
import pytest

from t2i_core.motion.features import FEATURE_DIM
from t2i_core.render.bvh import bvh_text
from t2i_core.render.importing import MotionFileError, read_person_motion_file
from t2i_core.skeleton import NUM_JOINTS
from tests.fixtures import rigid_walking_person

LIMIT = 300  # the model's longest clip (InterActorConfig.max_frames)


def npy_header_bytes(shape: tuple[int, ...], descr: str) -> bytes:
    """A version-1.0 .npy header claiming ``shape`` of ``descr``; no data follows unless the caller adds it."""
    header = repr({"descr": descr, "fortran_order": False, "shape": shape})
    ast.literal_eval(header)  # what numpy will parse back
    header += " " * (-(len(header) + 11) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode("latin1")


def test_a_bvh_claiming_400000_frames_is_cropped_by_its_header(tmp_path):
    text = bvh_text(rigid_walking_person(seed=1, frames=LIMIT + 20))
    head, _, rows = text.partition("Frames: ")
    rows = rows.split("\n", 2)[2]  # past "Frames:" and "Frame Time:"
    # The claimed frames: the real rows, then garbage no parser of the whole file would accept.
    path = tmp_path / "huge.bvh"
    path.write_text(f"{head}Frames: 400000\nFrame Time: 0.0333333\n{rows}" + "not numbers\n" * 50_000)
    motion = read_person_motion_file(path, max_frames=LIMIT)
    assert motion.features.shape == (LIMIT, FEATURE_DIM)
    assert motion.frames_in_file == 400_000 and motion.cropped


def test_a_compressed_npz_of_500000_frames_is_cropped_by_its_header(tmp_path):
    """500,000 frames of joints (132 MB once inflated, 0.1 MB compressed): the frames after the kept ones
    are NaN, so reading them (as np.load would) refuses the file; read by the header it is cropped."""
    frames = 500_000
    path = tmp_path / "long.npz"
    good = np.repeat(rigid_walking_person(seed=2, frames=LIMIT)[None], 1, axis=0).astype("<f4")
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive, \
            archive.open("joints.npy", "w", force_zip64=True) as member:
        member.write(npy_header_bytes((1, frames, NUM_JOINTS, 3), "<f4"))
        member.write(good.tobytes())
        block = np.full((10_000, NUM_JOINTS, 3), np.nan, dtype="<f4").tobytes()
        for _ in range((frames - LIMIT) // 10_000):
            member.write(block)
        member.write(np.full(((frames - LIMIT) % 10_000, NUM_JOINTS, 3), np.nan, dtype="<f4").tobytes())
    assert path.stat().st_size < 2**20
    motion = read_person_motion_file(path, max_frames=LIMIT)
    assert motion.features.shape == (LIMIT, FEATURE_DIM) and np.isfinite(motion.features).all()
    assert motion.frames_in_file == frames
    with pytest.raises(MotionFileError, match="NaN or infinite"):  # the whole file is what it says
        read_person_motion_file(path)


@pytest.mark.parametrize(("shape", "descr", "expected"), [
    ((1, 10**12, FEATURE_DIM), "<f4", r"shorter than its header says \(1x1000000000000x262 of <f4\)"),
    ((1, 40, FEATURE_DIM), "|V0", r"values of type \|V0, not numbers"),
    ((1, 40, FEATURE_DIM), "<c16", "not numbers"),
    ((1, 40, FEATURE_DIM), "|O", "Python objects"),
    ((10**12, FEATURE_DIM), "<f8", "shorter than its header says"),
])
def test_an_impossible_npy_header_gets_a_message_not_a_memory_error(tmp_path, shape, descr, expected):
    path = tmp_path / "claims.npz"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("features.npy", npy_header_bytes(shape, descr) + b"\0" * 4096)
    with pytest.raises(MotionFileError, match=expected) as error:
        read_person_motion_file(path, max_frames=LIMIT)
    assert str(tmp_path) not in str(error.value)
    # Without a crop too: nothing is allocated or read from the header's claim.
    with pytest.raises(MotionFileError, match=f"{expected}|too large for one motion"):
        read_person_motion_file(path)


def test_a_damaged_deflate_stream_is_a_readable_refusal(tmp_path):
    path = tmp_path / "damaged.npz"
    np.savez_compressed(path, features=np.zeros((1, 40, FEATURE_DIM), dtype=np.float32))
    data = bytearray(path.read_bytes())
    start = data.index(b"features.npy") + len("features.npy") + 40
    data[start:start + 64] = b"\xff" * 64
    path.write_bytes(bytes(data))
    with pytest.raises(MotionFileError, match="readable .npz|damaged|not a plain numeric"):
        read_person_motion_file(path, max_frames=LIMIT)


def test_a_bvh_hierarchy_that_never_ends_is_refused_early(tmp_path):
    path = tmp_path / "endless.bvh"
    path.write_text("HIERARCHY\n" + "ROOT Hips\n{\n" * 200_000)
    with pytest.raises(MotionFileError, match="hierarchy is over"):
        read_person_motion_file(path, max_frames=LIMIT)


def test_a_second_person_is_read_past_the_first_without_loading_everything(tmp_path):
    features = np.random.default_rng(0).normal(size=(2, LIMIT + 50, FEATURE_DIM)).astype(np.float32)
    path = tmp_path / "pair.npz"
    np.savez_compressed(path, features=features)
    motion = read_person_motion_file(path, person=2, max_frames=LIMIT)
    np.testing.assert_array_equal(motion.features, features[1, :LIMIT])
    assert motion.frames_in_file == LIMIT + 50
