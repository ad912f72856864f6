import math

import numpy as np
import pytest

from t2i_core.compose.generation import CoupledPerson2, GeneratedPerson1, PipelineReaction
from t2i_core.compose.interfaces import SplitFailure
from t2i_core.compose.person2_eval import (
    Person2Method,
    compare_person2,
    interval,
    markdown_table,
    parse_method,
    prepare,
    summarise,
)
from t2i_core.compose.placement import PlacementTable
from t2i_core.compose.run import ComposeConfig, load_real_set
from t2i_core.compose.scoring import load_filter_scorer
from t2i_core.compose.space import label_caption
from t2i_core.compose.splitter import RunSplitter
from t2i_core.pipeline import Text2InteractPipeline


def test_methods_parse_and_a_bad_one_says_what_is_accepted():
    assert parse_method("reaction") == Person2Method("reaction")
    assert parse_method("coupled:0.3") == Person2Method("coupled", 0.3)
    assert parse_method("coupled:1").name == "coupled:1"
    for bad in ("coupled", "coupled:0", "coupled:1.5", "coupled:x", "reaction:0.5", "prior"):
        with pytest.raises(ValueError, match="accepted: reaction, or coupled:S with S in"):
            parse_method(bad)


class HalfSplitter:
    def split(self, text):
        if "," not in text:
            return SplitFailure("no comma")
        first, second = text.split(",", 1)
        return first.strip(), second.strip()


def test_prepare_keeps_the_index_of_each_description_and_counts_the_unsplittable():
    prepared = prepare(["a waves, b bows", "nothing to split", "a hugs, b hugs back"], HalfSplitter(),
                       lambda text: ("greeting" if "waves" in text else "hug", ()), ["turn", "once", "once"])
    assert prepared.indices == [0, 2] and prepared.unsplittable == 1
    assert prepared.prompts1 == ["a waves", "a hugs"] and prepared.prompts2 == ["b bows", "b hugs back"]
    assert prepared.themes == ["greeting", "hug"] and prepared.groups == ["turn", "once"]


def test_the_interval_holds_the_mean_and_narrows_with_more_values():
    rng = np.random.default_rng(0)
    few, many = rng.normal(1.0, 1.0, 20), rng.normal(1.0, 1.0, 2000)
    mean, low, high = interval(few)
    assert low < mean < high and mean == pytest.approx(few.mean())
    assert interval(many)[2] - interval(many)[1] < (high - low) / 4
    assert all(math.isnan(v) for v in interval(np.array([np.nan])))


def test_the_summary_pairs_each_method_with_the_first():
    results = {"reaction": {"cosine": np.array([0.1, 0.2, 0.3, 0.4]), "jitter": np.ones(4)},
               "coupled:0.5": {"cosine": np.array([0.2, 0.1, 0.5, 0.6]), "jitter": np.full(4, 2.0)}}
    summary = summarise(results, groups=["a", "a", "b", "b"])
    versus = summary["coupled:0.5"]["cosine_vs_first"]
    assert versus["mean"] == pytest.approx(0.1) and versus["wins"] == 0.75
    assert "cosine_vs_first" not in summary["reaction"]
    assert summary["coupled:0.5"]["cosine_by_group"] == pytest.approx({"a": 0.15, "b": 0.55})
    table = markdown_table(summary)
    assert "| method | n | cosine ↑ | jitter ↓ | cosine - reaction | wins |" in table
    assert "| coupled:0.5 | 4 | 0.3500 [" in table and "| 75.0% |" in table
    assert "| method | cosine, a | cosine, b |" in table and "| reaction | 0.1500 | 0.3500 |" in table


def test_compare_shares_person1_and_scores_every_method(real_folder, interactor_dir, single_person_dir, evaluator_dir,
                                                        encoder, tmp_path):
    real = load_real_set(real_folder, cache_dir=tmp_path / "cache")
    pair = Text2InteractPipeline.from_pretrained(interactor_dir, text_encoder=encoder)
    prior = Text2InteractPipeline.from_pretrained(single_person_dir, text_encoder=encoder)
    scorer = load_filter_scorer(evaluator_dir, text_encoder=encoder)
    config = ComposeConfig(steps=3, min_seconds=1.0, max_seconds=1.5, seed=2)
    prepared = prepare(real.captions[:3], RunSplitter(), label_caption)
    assert prepared.texts
    table = PlacementTable.from_real(real, label_caption)
    methods = [parse_method(m) for m in ("reaction", "coupled:0.3", "coupled:1")]
    made = []

    class Recording(GeneratedPerson1):
        def make(self, prompts, lengths, seeds):
            out = super().make(prompts, lengths, seeds)
            made.append(out)
            return out

    coupler = CoupledPerson2(prior, pair, table, "inpaint", 0.5, 3.5, 3)
    drafted = []
    original_drafts = coupler.drafts
    coupler.drafts = lambda *a: drafted.append(1) or original_drafts(*a)
    results = compare_person2(prepared, config, Recording(prior, 3.5, 3), methods,
                              PipelineReaction(pair, "inpaint", 3.5, 3), coupler, scorer, person_scorer=None,
                              batch_size=2)
    batches = math.ceil(len(prepared.texts) / 2)
    assert len(made) == batches and len(drafted) == batches  # person 1 and the prior's draft once per batch
    assert list(results) == ["reaction", "coupled:0.3", "coupled:1"]
    for figures in results.values():
        assert set(figures) == {"cosine", "penetration", "jitter", "foot_skating"}
        assert all(len(v) == len(prepared.texts) and np.isfinite(v).all() for v in figures.values())
    assert not np.allclose(results["reaction"]["cosine"], results["coupled:0.3"]["cosine"])
    again = compare_person2(prepared, config, GeneratedPerson1(prior, 3.5, 3), methods[:2],
                            PipelineReaction(pair, "inpaint", 3.5, 3), coupler, scorer, batch_size=3)
    for name in ("reaction", "coupled:0.3"):  # a function of each description, not of its batch: rows in order
        assert np.allclose(again[name]["cosine"], results[name]["cosine"], atol=1e-4)
    from t2i_core.compose.run import PERSON1_STAGE, REACTION_STAGE, candidate_frames, candidate_seed, stage_seed
    from t2i_core.compose.scoring import score_pairs

    for row in range(len(prepared.texts)):  # row k is description k, composed alone as compose run would
        seed = candidate_seed(config.seed, prepared.indices[row])
        p1 = GeneratedPerson1(prior, 3.5, 3).make([prepared.prompts1[row]], [candidate_frames(config, seed)],
                                                  [stage_seed(seed, PERSON1_STAGE)])[0][0]
        pair_alone = PipelineReaction(pair, "inpaint", 3.5, 3).react([p1], [prepared.texts[row]],
                                                                     [stage_seed(seed, REACTION_STAGE)])
        cosine = score_pairs(scorer, [prepared.texts[row]], pair_alone).cosine[0]
        assert cosine == pytest.approx(results["reaction"]["cosine"][row], abs=1e-4)
    with pytest.raises(ValueError, match="needs a coupler"):
        compare_person2(prepared, config, GeneratedPerson1(prior, 3.5, 3), methods[1:], None, None, scorer)
    with pytest.raises(ValueError, match="at least one person-2 method"):
        compare_person2(prepared, config, GeneratedPerson1(prior, 3.5, 3), [], None, None, scorer)
