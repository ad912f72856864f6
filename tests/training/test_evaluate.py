import json

import numpy as np
import pytest

from tests.compose.builders import tiny_evaluator, tiny_interactor
from tests.fixtures import build_folder
from training import evaluate, sampling_curve

TEST_IDS = [f"e{i}" for i in range(8)]


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    from t2i_core.text import build_text_encoder

    root = tmp_path_factory.mktemp("evaluate")
    data = build_folder(root / "real", {"train": ["t0", "t1"], "test": TEST_IDS},
                        frames={clip: 40 + 7 * i for i, clip in enumerate(TEST_IDS)})  # lengths differ in a batch
    return {"data": data, "generator": tiny_interactor(root / "interactor", build_text_encoder("minilm")),
            "evaluator": tiny_evaluator(root / "evaluator"), "cache": root / "cache"}


def numbers(payload: dict) -> dict:
    """The protocol's figures and their intervals, flat."""
    kept = {k: v for k, v in payload.items() if k not in ("ground_truth", "twin_accuracy", "generator", "evaluator",
                                                          "split", "clips", "settings", "intervals",
                                                          "generation_noise")}
    return {**kept, **{f"interval_{k}": v for k, v in payload.get("intervals", {}).items()}}


def test_the_numbers_do_not_depend_on_the_batch_size(setup, tmp_path):
    results = {}
    for batch_size in (5, 32):
        out = tmp_path / f"b{batch_size}.json"
        assert evaluate.main(["--data", str(setup["data"]), "--evaluator", str(setup["evaluator"]),
                              "--generator", str(setup["generator"]), "--replications", "2", "--mm-captions", "0",
                              "--steps", "3", "--batch-size", str(batch_size), "--json", str(out),
                              "--cache-dir", str(setup["cache"]), "--device", "cpu", "--quiet"]) == 0
        results[batch_size] = numbers(json.loads(out.read_text()))
    assert set(results[5]) >= {"r_precision", "fid", "mm_dist", "diversity", "jitter"}
    assert json.loads(out.read_text())["generation_noise"] == "per-item"  # recorded with the numbers
    for key, value in results[5].items():
        np.testing.assert_allclose(np.asarray(value, dtype=float), np.asarray(results[32][key], dtype=float),
                                   rtol=1e-4, atol=1e-5, err_msg=key)


def test_the_sampling_curve_takes_the_batch_size(setup, tmp_path):
    cells = {}
    for batch_size in ("3", "32"):
        out = tmp_path / f"curve{batch_size}.json"
        assert sampling_curve.main(["--data", str(setup["data"]), "--evaluator", str(setup["evaluator"]),
                                    "--generator", str(setup["generator"]), "--guidance", "2", "--steps", "2",
                                    "--batch-size", batch_size, "--out", str(out), "--cache-dir", str(setup["cache"]),
                                    "--device", "cpu", "--quiet"]) == 0
        cells[batch_size] = json.loads(out.read_text())["cells"]["g2_s2"]["summary"]
    np.testing.assert_allclose(cells["3"]["fid"], cells["32"]["fid"], rtol=1e-4)
    np.testing.assert_allclose(cells["3"]["r_precision"], cells["32"]["r_precision"], atol=1e-6)
