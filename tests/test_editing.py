import json

import numpy as np
import pytest
import torch

from t2i_core import generate
from t2i_core.diffusion.ddim import DDIMScheduler
from t2i_core.editing import (
    CONTEXT_FRAMES,
    Chunk,
    EditError,
    Placement,
    blend_seams,
    generate_scene,
    plan_chunks,
    regenerate_segment,
    regenerate_window,
)
from t2i_core.models.interactor import InterActor, InterActorConfig
from t2i_core.motion.features import POSITIONS, VELOCITIES, facing_direction, features_to_joints
from t2i_core.pipeline import Text2InteractPipeline
from t2i_core.scene import parse_scene
from t2i_core.text import build_text_encoder

MAX_FRAMES = 60  # a tiny model with a 2-s clip, so scenes and windows need several chunks


class Spy:
    """The pipeline, recording what each inpainting call is given."""

    def __init__(self, pipe):
        self.pipe, self.model, self.calls = pipe, pipe.model, []

    def inpaint(self, features, known, prompt, **kwargs):
        self.calls.append((np.array(features), np.array(known), prompt))
        return self.pipe.inpaint(features, known, prompt, **kwargs)


@pytest.fixture(scope="module")
def encoder():
    return build_text_encoder("minilm")


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory, encoder):
    torch.manual_seed(0)
    model = InterActor(InterActorConfig.tiny(max_frames=MAX_FRAMES))
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.05)
    pipe = Text2InteractPipeline(model, DDIMScheduler(), encoder, torch.zeros(262), torch.ones(262))
    return pipe.save_pretrained(tmp_path_factory.mktemp("ckpt"))


@pytest.fixture(scope="module")
def pipe(checkpoint, encoder):
    return Text2InteractPipeline.from_pretrained(checkpoint, text_encoder=encoder)


@pytest.fixture(scope="module")
def scene_motion(pipe):
    scene = parse_scene({"segments": [{"prompt": "two people shake hands", "seconds": 1.5},
                                      {"prompt": "they hug", "seconds": 2.5},
                                      {"prompt": "one pushes the other", "seconds": 1}], "seed": 4, "steps": 3})
    return generate_scene(pipe, scene)


def random_pair(frames=50, seed=0):
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(2, frames, 262)).astype(np.float32)
    features[..., POSITIONS] += np.tile([1.0, 0.9, -2.0], 22)
    return features


def test_placement_puts_person_one_at_the_origin_facing_plus_z_and_back():
    features = random_pair()
    where = Placement.of_frame(features, 17)
    local = where.to_local(features)
    pelvis = features_to_joints(local[0, 17])[0]
    assert abs(pelvis[0]) < 1e-9 and abs(pelvis[2]) < 1e-9 and abs(pelvis[1] - features[0, 17, 1]) < 1e-9
    assert np.allclose(facing_direction(features_to_joints(local[0, 17])), [0, 0, 1], atol=1e-6)
    assert np.allclose(where.to_world(local), features, atol=1e-5)
    assert np.array_equal(local[..., 132:], features[..., 132:])  # rotations and contacts do not move


def test_chunks_cover_the_window_within_the_clip_with_context():
    assert plan_chunks(100, 40, 60, 60, context=10) == [Chunk(30, 40, 60, 70)]
    chunks = plan_chunks(200, 20, 150, 60, context=10, edge=6)
    assert chunks[0].start == 20 and chunks[-1].stop == 150 and chunks[-1].right == 160
    assert all(b.start == a.stop - 6 for a, b in zip(chunks, chunks[1:]))  # a free end is generated again
    assert all(c.right - c.left <= 60 and c.start - c.left == min(10, c.start) for c in chunks)
    assert plan_chunks(30, 0, 30, 60) == [Chunk(0, 0, 30, 30)]
    # a 10-s segment from the motion's start, 6 edge frames past it: two calls, not one per 6 frames
    assert plan_chunks(306, 0, 306, 300) == [Chunk(0, 0, 33, 33), Chunk(6, 27, 306, 306)]
    assert plan_chunks(606, 300, 606, 300) == [Chunk(279, 300, 333, 333), Chunk(306, 327, 606, 606)]
    # a window just longer than the last chunk's room: no chunk runs past the window
    assert plan_chunks(150, 30, 100, 60, context=21, edge=6) == [Chunk(9, 30, 69, 69), Chunk(42, 63, 88, 88),
                                                                 Chunk(61, 82, 100, 121)]


def test_a_scene_is_one_motion_whose_segments_continue_from_where_the_last_stopped(pipe):
    spy = Spy(pipe)
    scene = parse_scene({"segments": [{"prompt": "shake hands", "seconds": 1.5}, {"prompt": "they hug",
                                                                                  "seconds": 2.5}], "steps": 2})
    motion = generate_scene(spy, scene)
    assert motion.features.shape == (2, 120, 262) and motion.frame_ranges() == [(0, 45), (45, 120)]
    # 75 frames (+ 6 generated past the free end and dropped) need three chunks of this 60-frame model
    assert [c[2] for c in spy.calls] == ["shake hands", "they hug", "they hug", "they hug"]
    first = spy.calls[1]
    for features, known, _ in spy.calls[1:]:
        assert known[:, :CONTEXT_FRAMES].all() and not known[:, CONTEXT_FRAMES:].any()
        # the given frames are the scene's last ones, moved so that the stretch starts at the origin facing +Z
        start = features_to_joints(features[0, 0])
        assert np.allclose(start[0, [0, 2]], 0, atol=1e-5) and np.allclose(facing_direction(start), [0, 0, 1])
    context = Placement.of_frame(motion.features, 45 - CONTEXT_FRAMES).to_local(
        motion.features[:, 45 - CONTEXT_FRAMES:45])
    assert np.allclose(first[0][:, :CONTEXT_FRAMES], context, atol=1e-5)
    # and the continuation is put back where the scene stood: no jump at the seam
    joints = motion.joints
    assert np.allclose(joints[:, 45] - joints[:, 44], joints[:, 44] - joints[:, 43], atol=1e-5)


def test_window_edit_keeps_every_frame_outside_exactly_even_with_physical_guidance(pipe, scene_motion):
    edited = regenerate_window(pipe, scene_motion, 30, 100, seed=9, steps=3, physics=True)
    before = scene_motion.features
    assert np.array_equal(edited.features[:, :30], before[:, :30])
    assert np.array_equal(edited.features[:, 100:], before[:, 100:])
    assert not np.allclose(edited.features[:, 30:100], before[:, 30:100])
    assert edited.settings["edits"][-1]["window"] == [30, 100] and edited.segments == scene_motion.segments
    assert edited.settings["edits"][-1]["prompt"] == "they hug"  # the segment holding the window's middle


def test_one_person_edit_keeps_the_other_whole(pipe, scene_motion):
    edited = regenerate_window(pipe, scene_motion, 50, 80, seed=2, person=1, steps=3)
    assert np.array_equal(edited.features[0], scene_motion.features[0])
    assert np.array_equal(edited.features[1, :50], scene_motion.features[1, :50])
    assert np.array_equal(edited.features[1, 80:], scene_motion.features[1, 80:])
    assert not np.allclose(edited.features[1, 50:80], scene_motion.features[1, 50:80])


def test_segment_edit_changes_only_that_segment_and_its_prompt(pipe, scene_motion):
    edited = regenerate_segment(pipe, scene_motion, 1, "they dance", seed=1, steps=3)
    a, b = scene_motion.frame_ranges()[1]
    assert np.array_equal(edited.features[:, :a], scene_motion.features[:, :a])
    assert np.array_equal(edited.features[:, b:], scene_motion.features[:, b:])
    assert [s.prompt for s in edited.segments] == ["two people shake hands", "they dance", "one pushes the other"]
    assert edited.settings["segments"][1]["prompt"] == "they dance"


@pytest.mark.parametrize(("start", "stop"), [(-1, 10), (10, 10), (30, 200), ("a", 4)])
def test_a_window_outside_the_motion_is_refused(pipe, scene_motion, start, stop):
    with pytest.raises(EditError, match=r"window|frame numbers"):
        regenerate_window(pipe, scene_motion, start, stop, steps=2)


def test_an_unknown_segment_or_person_is_refused(pipe, scene_motion):
    with pytest.raises(EditError, match="segments 1 to 3, got segment 4"):
        regenerate_segment(pipe, scene_motion, 3, "x")
    with pytest.raises(EditError, match="0 .person 1., 1 .person 2. or None"):
        regenerate_window(pipe, scene_motion, 1, 5, person=2)


def test_seam_blend_leaves_given_frames_and_removes_the_jump():
    features = random_pair(40)[:1]
    blended = blend_seams(features, 10, 30)
    assert np.array_equal(blended[:, :10], features[:, :10]) and np.array_equal(blended[:, 30:], features[:, 30:])
    pos, vel = (blended[0, :, s].reshape(40, 22, 3) for s in (POSITIONS, VELOCITIES))
    assert np.allclose(pos[10] - pos[9], pos[9] - pos[8], atol=1e-5)  # the given frames' last step goes on
    assert np.allclose(pos[30] - pos[29], pos[31] - pos[30], atol=1e-5)
    # and the speed carries on: the first generated step is the given frames' last one
    raw = features[0, :, POSITIONS].reshape(40, 22, 3)
    before = np.abs((raw[11] - raw[10]) - (raw[9] - raw[8])).max()
    miss = np.abs(2 * raw[9] - raw[8] - raw[10]).max()
    after = np.abs((pos[11] - pos[10]) - (pos[9] - pos[8])).max()
    assert after < 0.02 * (before + miss)  # what is left is the fade's own first step (1 - cos(pi/15)) / 2
    assert np.allclose(vel[10:29], pos[11:30] - pos[10:29], atol=1e-5)


def test_cli_writes_a_scene_and_refuses_a_bad_one_without_writing(tmp_path, checkpoint, capsys):
    scene = tmp_path / "scene.json"
    scene.write_text(json.dumps({"segments": [{"prompt": "wave", "seconds": 1}, {"prompt": "bow", "seconds": 1.2}],
                                 "seed": 1, "steps": 2}))
    assert generate.main(["--scene", str(scene), "--out", str(tmp_path / "s.npz"), "--checkpoint", str(checkpoint),
                          "--no-physics"]) == 0
    data = np.load(tmp_path / "s.npz")
    assert data["joints"].shape == (2, 66, 22, 3) and data["segment_frames"].tolist() == [[0, 30], [30, 66]]
    assert json.loads(str(data["settings"]))["physics"] is None
    assert (tmp_path / "s_person1.bvh").is_file() and (tmp_path / "s_person2.bvh").is_file()
    scene.write_text('{"segments": [{"prompt": "wave", "seconds": 12}]}')
    assert generate.main(["--scene", str(scene), "--out", str(tmp_path / "bad.npz"),
                          "--checkpoint", str(checkpoint)]) == 2
    assert "segment 1 is 12 s long" in capsys.readouterr().err and not (tmp_path / "bad.npz").exists()
