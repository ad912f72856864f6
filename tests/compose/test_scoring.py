import numpy as np
import pytest

from t2i_core.assets import SHIPPED_ORACLE_EVALUATOR, SHIPPED_SINGLE_EVALUATOR
from t2i_core.compose.scoring import (
    PROTOCOL_EVALUATOR,
    FilterEvaluatorError,
    check_filter_evaluator,
    check_person_evaluator,
    describe_real_cosines,
    load_filter_scorer,
    score_pairs,
)


def test_the_protocol_evaluator_is_refused_unless_overridden():
    assert (PROTOCOL_EVALUATOR / "config.json").is_file()  # the shipped one this guards
    with pytest.raises(FilterEvaluatorError, match="must not choose the training data"):
        check_filter_evaluator(PROTOCOL_EVALUATOR)
    with pytest.raises(FilterEvaluatorError, match="--allow-protocol-evaluator"):
        check_filter_evaluator(PROTOCOL_EVALUATOR / "." / "")
    assert check_filter_evaluator(PROTOCOL_EVALUATOR, allow_protocol=True) == PROTOCOL_EVALUATOR.resolve()


def test_a_symlink_to_the_protocol_evaluator_is_refused_too(tmp_path):
    (tmp_path / "link").symlink_to(PROTOCOL_EVALUATOR, target_is_directory=True)
    with pytest.raises(FilterEvaluatorError, match="refusing the protocol's evaluator"):
        check_filter_evaluator(tmp_path / "link")


def test_a_missing_filter_evaluator_is_a_clear_error(tmp_path):
    with pytest.raises(FilterEvaluatorError, match="filter evaluator folder not found"):
        check_filter_evaluator(tmp_path / "nowhere")


def test_scores_are_cosines_of_unit_embeddings_and_do_not_depend_on_the_batch(evaluator_dir, encoder):
    scorer = load_filter_scorer(evaluator_dir, text_encoder=encoder)
    rng = np.random.default_rng(0)
    motions = [rng.normal(size=(2, n, 262)).astype(np.float32) for n in (30, 45, 20)]
    texts = ["two people hug", "one person pushes the other", "they dance together"]
    scores = score_pairs(scorer, texts, motions)
    assert scores.cosine.shape == (3,) and scores.motion.shape == (3, 16) and scores.text.shape == (3, 16)
    assert np.allclose(np.linalg.norm(scores.motion, axis=1), 1, atol=1e-5)
    assert np.allclose(scores.cosine, (scores.motion * scores.text).sum(1), atol=1e-6)
    alone = score_pairs(scorer, texts[1:2], motions[1:2])
    assert np.allclose(alone.cosine, scores.cosine[1:2], atol=1e-5)
    assert np.allclose(alone.motion, scores.motion[1:2], atol=1e-5)


def test_real_cosine_report_says_what_delta_keeps():
    line = describe_real_cosines(np.array([0.2, 0.5, 0.6, 0.7]), 0.58)
    assert "p50" in line and "delta 0.58 would keep 50.0% of them" in line


def test_the_shipped_oracle_evaluator_is_refused_as_the_filter_even_with_the_override():
    assert (SHIPPED_ORACLE_EVALUATOR / "model.safetensors").is_file()  # the shipped one this guards
    for allow in (False, True):
        with pytest.raises(FilterEvaluatorError, match="refusing the oracle evaluator 'oracle_evaluator'"):
            check_filter_evaluator(SHIPPED_ORACLE_EVALUATOR, allow_protocol=allow)


def test_the_shipped_single_evaluator_is_refused_as_the_per_person_filter():
    assert (SHIPPED_SINGLE_EVALUATOR / "model.safetensors").is_file()  # the shipped instrument this guards
    for folder in (SHIPPED_SINGLE_EVALUATOR, SHIPPED_SINGLE_EVALUATOR / "." / ""):
        with pytest.raises(FilterEvaluatorError, match="refusing assets/single_evaluator as the per-person filter"):
            check_person_evaluator(folder)


def test_an_oracle_evaluator_is_refused_as_the_filter_wherever_it_was_copied(tmp_path):
    import json
    import shutil

    oracle = tmp_path / "copied_oracle"
    shutil.copytree(PROTOCOL_EVALUATOR, oracle)
    assert check_filter_evaluator(oracle) == oracle.resolve()  # a plain copy is another evaluator
    payload = json.loads((oracle / "config.json").read_text())
    (oracle / "config.json").write_text(json.dumps({**payload, "instrument": "oracle"}))
    for allow in (False, True):  # no override for the benchmark's judge
        with pytest.raises(FilterEvaluatorError, match="refusing the oracle evaluator 'copied_oracle'"):
            check_filter_evaluator(oracle, allow_protocol=allow)
