import json

import numpy as np
import pytest

from t2i_core.scene import MAX_SCENE_SECONDS, SceneError, SceneMotion, Segment, load_scene, parse_scene, save_scene


def test_a_scene_reads_its_segments_and_defaults():
    scene = parse_scene('{"segments": [{"prompt": " two people shake hands ", "seconds": 4}, '
                        '{"prompt": "they hug", "seconds": 2.5}], "seed": 7, "physics": false}')
    assert scene.segments == (Segment("two people shake hands", 4.0), Segment("they hug", 2.5))
    assert scene.seed == 7 and scene.physics is False and scene.steps == 50 and scene.guidance == 3.5
    assert scene.frames == 195 and scene.frame_ranges() == [(0, 120), (120, 195)]
    assert parse_scene(scene.to_dict()) == scene


@pytest.mark.parametrize(("scene", "message"), [
    ('{"segments": []}', "no segments"),
    ('{"seed": 1}', "no segments"),
    ('{"segments": [{"prompt": "wave", "seconds": 10.5}]}', "segment 1 is 10.5 s long; a segment is 1 to 10 s"),
    ('{"segments": [{"prompt": "wave", "seconds": 0.5}]}', "a segment is 1 to 10 s"),
    ('{"segments": [{"prompt": "", "seconds": 3}]}', "segment 1 has no prompt"),
    ('{"segments": [{"prompt": "wave"}]}', 'has no "seconds"'),
    ('{"segments": [{"prompt": "wave", "seconds": "3"}]}', "must be a number"),
    (json.dumps({"segments": [{"prompt": "wave", "seconds": 10}] * 7}), "70 s long; a scene is at most 60 s"),
    ('{"segments": [{"prompt": "wave", "seconds": 3}], "tempo": 2}', "unknown scene keys ['tempo']"),
    ('{"segments": [{"prompt": "wave", "seconds": 3}], "seed": -1}', "seed must be a whole number"),
    ('{"segments": [{"prompt": "wave", "seconds": 3}], "steps": 0}', "steps must be a whole number from 1"),
    ('{"segments": [{"prompt": "wave", "seconds": 3}], "physics": "yes"}', "physics must be true or false"),
    ('{"segments": [{"prompt": "wave", "seconds": 3}]', "not valid JSON (line 1"),
    ('[1, 2]', "a scene is a JSON object"),
])
def test_bad_scenes_say_what_is_accepted(scene, message):
    with pytest.raises(SceneError) as error:
        parse_scene(scene)
    assert message in str(error.value)


def test_sixty_seconds_is_the_longest_scene():
    scene = parse_scene({"segments": [{"prompt": "walk", "seconds": 10}] * 6})
    assert scene.seconds == MAX_SCENE_SECONDS and scene.frames == 1800


def test_an_unreadable_file_is_a_scene_error_that_does_not_name_the_path(tmp_path):
    with pytest.raises(SceneError) as error:
        load_scene(tmp_path / "secret" / "missing.json")
    assert "secret" not in str(error.value)


def test_saved_scene_holds_the_whole_motion_the_segments_and_a_bvh_per_person(tmp_path):
    features = np.random.default_rng(0).normal(size=(2, 75, 262)).astype(np.float32)
    motion = SceneMotion(features, (Segment("wave", 1.0), Segment("bow", 1.5)), {"seed": 3})
    npz, bvh1, bvh2 = save_scene(tmp_path / "scene.npz", motion)
    data = np.load(npz)
    assert data["joints"].shape == (2, 75, 22, 3) and np.array_equal(data["features"], features)
    assert data["segment_frames"].tolist() == [[0, 30], [30, 75]]
    assert json.loads(str(data["segments"]))[1] == {"prompt": "bow", "seconds": 1.5, "start": 30, "stop": 75}
    assert str(data["text"]) == "wave | bow" and int(data["fps"]) == 30
    assert bvh1.name == "scene_person1.bvh" and bvh2.name == "scene_person2.bvh"
    assert bvh1.read_text().count("\n") > 75 and sorted(p.name for p in tmp_path.iterdir()) == [
        "scene.npz", "scene_person1.bvh", "scene_person2.bvh"]  # no temporary file left behind


def test_a_motion_must_match_its_segments():
    with pytest.raises(ValueError, match="segments cover 30 frames, the motion has 40"):
        SceneMotion(np.zeros((2, 40, 262)), (Segment("wave", 1.0),))
