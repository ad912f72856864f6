import pytest
import torch

from t2i_core.text import build_text_encoder
from t2i_core.text.cache import TextFeatureCache
from t2i_core.text.clip import CLIPTextEncoder, ClipWeightsNotFoundError, find_clip_weights


@pytest.fixture(scope="module")
def minilm():
    return build_text_encoder("minilm")


def test_minilm_gives_word_level_tokens(minilm):
    texts = ["one person waves with the left hand", "two people hug"]
    out = minilm(texts)
    assert out.tokens.shape[0] == 2 and out.tokens.shape[2] == 384
    assert out.mask.shape == out.tokens.shape[:2]
    assert out.mask.sum(1).tolist() == [len(s) for s in out.token_strings]
    assert out.token_strings[0][:4] == ["[CLS]", "one", "person", "waves"]
    assert out.token_strings[1][-1] == "[SEP]"
    assert torch.allclose(out.pooled.norm(dim=-1), torch.ones(2), atol=1e-5)
    assert out.truncated == [False, False]
    # the same word in different sentences gets different (contextual) features
    other = minilm(["the left hand is raised"])
    left_a = out.tokens[0, out.token_strings[0].index("left")]
    left_b = other.tokens[0, other.token_strings[0].index("left")]
    assert not torch.allclose(left_a, left_b)


def test_minilm_truncates_long_prompts_and_says_so(minilm):
    out = minilm(["walk " * 200, "short"])
    assert out.mask[0].sum() == minilm.max_tokens
    assert out.truncated == [True, False]


def test_unknown_encoder_name_lists_the_accepted_ones():
    with pytest.raises(ValueError, match="accepted: minilm, clip-vit-l-14"):
        build_text_encoder("bert")


def test_clip_text_tower_shapes_and_padding_after_end_of_text():
    encoder = CLIPTextEncoder(random_init=True)
    out = encoder(["one person pushes the other", "hi"])
    assert out.tokens.shape == (2, 77, 768) and out.pooled.shape == (2, 768)
    assert out.mask.sum(1).tolist() == [7, 3]
    assert out.token_strings[1] == ["<start_of_text>", "hi", "<end_of_text>"]
    assert not out.mask[0, 7:].any()


def test_missing_clip_weights_say_what_to_supply(tmp_path, monkeypatch):
    monkeypatch.delenv("T2I_CLIP_WEIGHTS", raising=False)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    with pytest.raises(ClipWeightsNotFoundError, match="T2I_CLIP_WEIGHTS=PATH") as error:
        find_clip_weights(tmp_path / "nope.safetensors")
    assert "nope.safetensors" in str(error.value) and "Nothing is downloaded" in str(error.value)
    weights = tmp_path / "w.safetensors"
    weights.write_bytes(b"x")
    monkeypatch.setenv("T2I_CLIP_WEIGHTS", str(weights))
    assert find_clip_weights() == weights


class CountingEncoder:
    name, dim, max_tokens = "counting", 4, 8

    def __init__(self):
        self.seen: list[str] = []

    def __call__(self, texts):
        from t2i_core.text.base import TextEncoding

        self.seen += texts
        lengths = [len(t.split()) for t in texts]
        longest = max(lengths)
        tokens = torch.stack([torch.full((longest, 4), float(n)) for n in lengths])
        mask = torch.arange(longest)[None] < torch.tensor(lengths)[:, None]
        return TextEncoding(tokens, mask, [t.split() for t in texts], tokens[:, 0], [False] * len(texts))


def test_cache_encodes_each_text_once_and_persists(tmp_path):
    encoder = CountingEncoder()
    cache = TextFeatureCache(encoder, tmp_path / "text.safetensors")
    tokens, mask, pooled = cache.batch(["a b c", "d", "a b c"])
    assert encoder.seen == ["a b c", "d"]
    assert tokens.shape == (3, 3, 4) and mask.sum(1).tolist() == [3, 1, 3]
    assert torch.equal(tokens[0], tokens[2]) and pooled.shape == (3, 4)
    cache.batch(["d", "a b c"])
    assert encoder.seen == ["a b c", "d"]
    cache.save()
    reloaded = TextFeatureCache(CountingEncoder(), tmp_path / "text.safetensors")
    assert len(reloaded) == 2
    again, _, _ = reloaded.batch(["a b c"])
    assert reloaded.encoder.seen == [] and torch.equal(again[0], tokens[0])


def test_jobs_sharing_the_cache_file_keep_each_others_captions(tmp_path):
    path = tmp_path / "text.safetensors"
    first, second = TextFeatureCache(CountingEncoder(), path), TextFeatureCache(CountingEncoder(), path)
    first.add(["a training caption"])
    second.add(["an evaluation caption", "a"])
    first.save()
    second.save()  # read before first saved: it merges what the file gained instead of overwriting it
    first.add(["b c"])
    first.save()
    merged = TextFeatureCache(CountingEncoder(), path)
    merged.add(["a training caption", "an evaluation caption", "a", "b c"])
    assert len(merged) == 4 and merged.encoder.seen == []


def test_cache_gives_pooled_vectors_alone():
    encoder = CountingEncoder()
    cache = TextFeatureCache(encoder)
    pooled = cache.pooled(["a b", "c"])
    assert pooled.dtype == torch.float32 and pooled[:, 0].tolist() == [2.0, 1.0]
    assert torch.equal(cache.batch(["c"])[2], pooled[1:])
    assert encoder.seen == ["a b", "c"]
