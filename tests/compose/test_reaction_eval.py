import pytest

from t2i_core.compose.reaction_eval import GROUND_TRUTH, ReactionSource, evaluate_reactions, markdown_table
from t2i_core.models.scorer import TextMotionScorer
from t2i_core.pipeline import Text2InteractPipeline
from training.evaluate import load_items


@pytest.fixture(scope="module")
def setup(real_folder, interactor_dir, evaluator_dir, encoder, tmp_path_factory):
    items, _ = load_items(real_folder, "train", tmp_path_factory.mktemp("cache"), 4)
    scorer = TextMotionScorer.from_pretrained(evaluator_dir, text_encoder=encoder)
    return items, scorer, Text2InteractPipeline.from_pretrained(interactor_dir, text_encoder=encoder)


def test_each_method_reacts_to_the_ground_truth_person1(setup):
    items, _, pipe = setup
    motions = ReactionSource(pipe, "inpaint", steps=2, batch_size=3).generate([i.captions[0] for i in items], items, 0)
    assert [m.shape for m in motions] == [i.features.shape for i in items]
    assert all((m[0] == i.features[0]).all() and not (m[1] == i.features[1]).all() for m, i in zip(motions, items))


def test_the_table_has_a_row_per_method_and_the_reference(setup):
    items, scorer, pipe = setup
    rows = evaluate_reactions(items, scorer, pipe, ["trained", "inpaint"], steps=2)
    assert list(rows) == [GROUND_TRUTH, "trained", "inpaint"]
    assert rows["trained"]["fid"] != rows["inpaint"]["fid"]
    table = markdown_table(rows).splitlines()
    assert table[0].startswith("| method | R@1 ↑ | R@3 ↑ | FID ↓ | MM Dist ↓ | Penetration ↓ | Jitter ↓")
    assert len(table) == 5 and table[3].startswith("| trained | ")
