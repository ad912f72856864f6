import numpy as np
import pytest
import torch

from t2i_core.compose.splitter import (
    EMPTY,
    NO_PERSON,
    NO_RESPONDER_ACTION,
    NO_SUBJECT,
    ONE_PERSON,
    measure_splitter,
    split_batch,
    split_description,
    word_f1,
)
from t2i_core.text.base import TextEncoder, TextEncoding
from tests.fixtures import write_caption_folder


@pytest.mark.parametrize("description, prompt1, prompt2", [
    ("One person waves with the left hand, the other turns counterclockwise.",
     "a person waves with the left hand.", "a person turns counterclockwise."),
    ("A person raises the left arm while the partner spins to the left.",
     "a person raises the left arm.", "a person spins to the left."),
    ("One person waves at the other person, then the other waves back.",
     "a person waves at someone.", "a person waves back."),
    ("Both people slowly hug each other.", "a person slowly hugs someone.", "a person slowly hugs someone."),
    ("Two persons walk towards each other and then shake hands.",
     "a person walks towards someone, then shakes hands.", "a person walks towards someone, then shakes hands."),
    ("The first person squats down and the second person helps him up.",
     "a person squats down.", "a person helps someone up."),
    # the responder does nothing explicit: the lexicon's reaction
    ("One person pushes the other person.", "a person pushes someone.", "a person stumbles backward."),
    # a relative clause belongs to the person it follows
    ("The other follows a person, who walks slowly off.", "a person walks slowly off.", "a person follows someone."),
    # a leading phrase without a person joins the first clause
    ("Holding hands with the other, a person circles clockwise.",
     "a person circles clockwise, holding hands with someone.", "a person spins along holding hands."),
    # roles swap in a later phase; "X and Y" is both
    ("First, the first person and the second person shake hands. Then the second person bows to the first person "
     "and the first person bows back.",
     "a person shakes hands, then bows back.", "a person shakes hands, then bows to someone."),
    # the OOD relations: together ("each"), copying, at once with a leading "while", solo phases in turn
    ("Both people act together, and each balances on the right leg.",
     "a person balances on the right leg.", "a person balances on the right leg."),
    ("The two of them move in unison: each turns around over the right shoulder.",
     "a person turns around over the right shoulder.", "a person turns around over the right shoulder."),
    ("At the same time, each of the two people turns to face the other way.",
     "a person turns to face the other way.", "a person turns to face the other way."),
    ("One person shakes the head slowly, and the other person copies them.",
     "a person shakes the head slowly.", "a person shakes the head slowly."),
    ("The first person squats; the second person watches and then does the same.",
     "a person squats.", "a person watches, then squats."),
    ("While a person claps twice, the other nods.", "a person claps twice.", "a person nods."),
    ("One person puts the hands on the hips, then the other person spins around to the left.",
     "a person puts the hands on the hips.", "a person spins around to the left."),
    ("One person jumps once; afterwards the other looks to the left and then to the right.",
     "a person jumps once.", "a person looks to the left and then to the right."),
    # a solo word ("crouch") beside a two-person action keeps that action's reaction
    ("One person pulls the other person up from a crouch, then the other person waves.",
     "a person pulls someone up from a crouch, then waves back.",
     "a person takes the offered hand and stands up, then waves."),
])
def test_supported_forms(description, prompt1, prompt2):
    split = split_description(description)
    assert split.ok, split.reason
    assert (split.prompt1, split.prompt2) == (prompt1, prompt2)


@pytest.mark.parametrize("description, reason", [
    ("   ", EMPTY),
    ("A dog runs across the yard.", NO_PERSON),
    ("A person walks forward and sits down.", ONE_PERSON),
    ("Dancing happily. Then one person bows to the other person.", NO_SUBJECT),
    ("One person juggles next to the other person.", NO_RESPONDER_ACTION),
])
def test_failures_carry_their_reason(description, reason):
    split = split_description(description)
    assert not split.ok
    assert split.reason == reason and split.prompt1 is None and split.description == description


def test_batch_keeps_failures_in_place_and_counts_them():
    texts = ["a dog runs.", "one person hugs the other person.", "", "a cat sleeps."]
    batch = split_batch(texts)
    assert [s.description for s in batch.splits] == texts
    assert [s.ok for s in batch.splits] == [False, True, False, False]
    assert batch.failures == {NO_PERSON: 2, EMPTY: 1}
    assert batch.split_count == 1


def test_word_f1():
    assert word_f1("a person waves the left hand", "someone waves with the left hand") == 1.0
    assert word_f1("a person kicks", "a person waves") == 0.0
    assert 0 < word_f1("a person waves quickly", "a person waves") < 1


class BagOfWords(TextEncoder):
    """A deterministic stand-in for MiniLM: pooled = normalised word counts."""

    name, dim, max_tokens = "bag", 64, 77

    def encode(self, texts):
        pooled = torch.zeros(len(texts), self.dim)
        for i, text in enumerate(texts):
            for word in text.lower().replace(".", " ").split():
                pooled[i, sum(map(ord, word)) % self.dim] += 1
        pooled = torch.nn.functional.normalize(pooled, dim=-1)
        return TextEncoding(pooled[:, None], torch.ones(len(texts), 1, dtype=torch.bool), [[]] * len(texts),
                            pooled, [False] * len(texts))


def _phase(kind, initiator):
    return {"kind": kind, "initiator": initiator, "side": None, "speed": "normal", "options": {}, "start": 0, "end": 9}


def test_measurement_scores_the_right_person(tmp_path):
    # clip "a": person 2 initiates, so "one person" is file person 2
    root = write_caption_folder(
        tmp_path / "d",
        {"a": ["one person waves at the other person, and the other person bows."],
         "b": ["one person kicks at the other person, and the other person jumps away.", "a dog runs."]},
        individual={"a": (["a person bows."], ["a person waves at someone."]),
                    "b": (["a person kicks at someone."], ["a person jumps away."])},
        records=[{"id": "a", "phases": [_phase("wave", 2)]}, {"id": "b", "phases": [_phase("kick", 1)]}])
    report = measure_splitter(root, encoder=BagOfWords())
    assert (report.clips, report.descriptions, report.split) == (2, 3, 2)
    assert report.failures == {NO_PERSON: 1}
    assert report.share_split == pytest.approx(2 / 3)
    assert report.role_pairs == 2 and report.role_accuracy == 1.0
    assert report.cosine_right == pytest.approx(1.0, abs=1e-5)
    assert report.cosine_swapped < report.cosine_right
    assert report.f1_right == 1.0 and report.f1_swapped < 0.5
    assert np.isfinite(report.cosine_unsplit)


def test_measurement_needs_the_procedural_manifest(tmp_path):
    root = write_caption_folder(tmp_path / "d", {"a": ["one person hugs the other."]})
    with pytest.raises(FileNotFoundError, match="manifest"):
        measure_splitter(root, encoder=BagOfWords())


def test_measurement_on_an_ood_build_takes_the_first_named_actor(tmp_path):
    # OOD manifests label each solo action with its person; "together" names nobody, so the next step decides
    root = write_caption_folder(
        tmp_path / "d",
        {"a": ["both people act together, and each claps, then one person squats while the other person nods."]},
        individual={"a": (["a person claps, then nods."], ["a person claps, then squats."])},
        records=[{"id": "a", "phases": [
            {"kind": "clap", "person": 1, "relation": "together", "start": 0, "end": 10},
            {"kind": "squat", "person": 2, "relation": "at_once", "start": 10, "end": 20},
            {"kind": "nod", "person": 1, "relation": "at_once", "start": 10, "end": 20}]}])
    report = measure_splitter(root, encoder=BagOfWords())
    assert report.split == 1 and report.role_pairs == 1 and report.role_accuracy == 1.0
    assert report.f1_right == 1.0
