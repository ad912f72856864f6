import numpy as np
import pytest

from t2i_core.protocol import EvalItem, GroundTruth, ProtocolSettings, format_table, run_protocol


class HashScorer:
    """A deterministic stand-in evaluator: embeddings are fixed functions of text and motion."""

    def __init__(self, batch_size):
        self.batch_size = batch_size

    def embed_texts(self, texts):
        rows = [np.random.default_rng(abs(hash(t)) % 2**32).normal(size=8) for t in texts]
        return np.stack([r / np.linalg.norm(r) for r in rows])

    def embed_motions(self, features, lengths):
        out = []
        for start in range(0, len(features), self.batch_size):  # batch size must not matter
            chunk = features[start:start + self.batch_size]
            for f, n in zip(chunk, lengths[start:start + self.batch_size]):
                v = f[:, :n, :8].mean(axis=(0, 1))
                out.append(v / np.linalg.norm(v))
        return np.stack(out)


def items(n=30):
    rng = np.random.default_rng(0)
    return [EvalItem(f"c{i}", (f"caption {i} a", f"caption {i} b"),
                     rng.normal(size=(2, int(rng.integers(20, 40)), 262))) for i in range(n)]


def test_protocol_does_not_depend_on_batching():
    settings = ProtocolSettings(replications=3, group=8)
    data = items()
    first = run_protocol(data, HashScorer(batch_size=1), GroundTruth(), settings, progress=False)
    second = run_protocol(data, HashScorer(batch_size=7), GroundTruth(), settings, progress=False)
    assert first == second
    assert first["fid"] == pytest.approx(0.0, abs=1e-6)
    assert first["multimodality"] is None and first["replications"] == 3
    assert len(first["r_precision"]) == 3 and len(first["intervals"]["r_precision"]) == 3


class NoisySource:
    name, samples = "noisy", True

    def generate(self, texts, items, seed):
        rng = np.random.default_rng(seed)
        return [item.features + rng.normal(0, 0.5, size=item.features.shape) for item in items]


def test_a_sampling_source_gets_multimodality_and_a_worse_fid():
    settings = ProtocolSettings(replications=2, group=8, mm_captions=5, mm_generations=4, mm_pairs=3)
    data = items()
    noisy = run_protocol(data, HashScorer(4), NoisySource(), settings, {"order_sensitive": [0, 1, 2, 3]},
                         progress=False)
    assert noisy["fid"] > 0 and noisy["multimodality"] > 0
    assert "order_sensitive_r1" in noisy
    table = format_table({"Ground truth": run_protocol(data, HashScorer(4), GroundTruth(), settings,
                                                       progress=False), "noisy": noisy})
    assert table.splitlines()[0].split()[:4] == ["Method", "R@1", "R@2", "R@3"]
    assert "Ground truth" in table and "noisy" in table and "foot_skating_ratio" in table


class IdentityScorer:
    """Caption "clip k" and a motion whose first value is k embed to the same one-hot vector."""

    def embed_texts(self, texts):
        return np.eye(8)[[int(t.split()[-1]) for t in texts]]

    def embed_motions(self, features, lengths):
        return np.eye(8)[[round(f[0, 0, 0]) for f in features]]


def test_twin_accuracy_counts_captions_closer_to_their_own_motion():
    from t2i_core.protocol import contrast_accuracy

    items = [EvalItem(f"c{k}", (f"clip {k}",), np.full((2, 5, 262), float(k))) for k in range(4)]
    assert contrast_accuracy(IdentityScorer(), items, {"order": [(0, 1)], "side": [(2, 3)]}) == \
        {"order": 1.0, "side": 1.0}
    swapped = [EvalItem(i.clip_id, i.captions, items[j].features) for i, j in zip(items, (1, 0, 2, 3))]
    assert contrast_accuracy(IdentityScorer(), swapped, {"order": [(0, 1)]}) == {"order": 0.0}


class SwappingSource:
    """Makes, for each clip of a twin pair, the motion of its twin: roles or phases swapped."""
    name, samples = "swapper", False

    def __init__(self, partner):
        self.partner = partner

    def generate(self, texts, items, seed):
        position = {item.clip_id: k for k, item in enumerate(items)}
        return [items[position[self.partner.get(item.clip_id, item.clip_id)]].features for item in items]


def test_the_protocol_checks_generated_twins_each_replication():
    items = [EvalItem(f"c{k}", (f"clip {k}",), np.full((2, 5, 262), float(k))) for k in range(4)]
    twins = {"order": [(0, 1)], "initiator": [(2, 3)]}
    settings = ProtocolSettings(replications=2, group=4, mm_captions=0)
    faithful = run_protocol(items, IdentityScorer(), GroundTruth(), settings, progress=False, twins=twins)
    assert faithful["twin_order"] == 1.0 and faithful["twin_initiator"] == 1.0
    swapper = SwappingSource({"c2": "c3", "c3": "c2"})  # swaps who acts, keeps the order
    swapped = run_protocol(items, IdentityScorer(), swapper, settings, progress=False, twins=twins)
    assert swapped["twin_order"] == 1.0 and swapped["twin_initiator"] == 0.0
    assert "twin_initiator" in format_table({"swapper": swapped})


def test_subset_metrics_are_the_protocol_on_the_subset_from_the_same_motions():
    settings = ProtocolSettings(replications=2, group=8, mm_captions=0)
    data, subset = items(), [1, 4, 5, 9, 12, 20, 21, 28]
    full = run_protocol(data, HashScorer(4), NoisySource(), settings, {"held_out": subset}, progress=False,
                        subset_metrics=True)
    only_r1 = run_protocol(data, HashScorer(4), NoisySource(), settings, {"held_out": subset}, progress=False)
    assert "held_out_fid" not in only_r1 and only_r1["held_out_r1"] == full["held_out_r1"]
    assert full["fid"] == only_r1["fid"]  # the whole split's numbers are unchanged

    class Restricted:  # the same source, asked for the subset's clips only: what the subset metrics must equal
        name, samples = "noisy", True

        def generate(self, texts, chosen, seed):
            motions = NoisySource().generate([""] * len(data), data, seed)
            where = {id(item): i for i, item in enumerate(data)}
            return [motions[where[id(item)]] for item in chosen]

    alone = run_protocol([data[i] for i in subset], HashScorer(4), Restricted(), settings, progress=False)
    for key in ("fid", "diversity", "jitter", "foot_skating_ratio"):  # the ones the drawn captions do not change
        assert full[f"held_out_{key}"] == pytest.approx(alone[key]), key
    assert {"held_out_r2", "held_out_r3", "held_out_mm_dist"} <= set(full) and "held_out_fid" in full["intervals"]
