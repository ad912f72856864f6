"""Which evaluators may choose what: an oracle evaluator measures, it never selects.

The oracle evaluator (``assets/oracle_evaluator``) has seen the out-of-distribution benchmark's kind
of clips, as the paper's human raters have seen the world: it stands in for them when measuring
generation on prompts the two-person training set never shows. If it also chose synthetic data,
filter thresholds or checkpoints, the benchmark would be selected with its own judge. So an
evaluator trained as an oracle says so in its ``config.json`` (``"instrument": "oracle"``, written by
``training.train_evaluator --oracle``), and every command that selects refuses it, wherever the folder
was copied to.
"""

from __future__ import annotations

import json
from pathlib import Path

from t2i_core.checkpoint import CONFIG_FILE

INSTRUMENT_KEY = "instrument"
ORACLE = "oracle"


class OracleRefusedError(ValueError):
    """An oracle evaluator was given to a command that selects data or checkpoints."""


def is_oracle(folder: str | Path) -> bool:
    """True when the evaluator folder (or its ``best/``) was trained as an oracle."""
    for candidate in (Path(folder), Path(folder) / "best"):
        try:
            payload = json.loads((candidate / CONFIG_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(payload, dict) and payload.get(INSTRUMENT_KEY) == ORACLE:
            return True
    return False


def refuse_oracle(folder: str | Path, use: str) -> None:
    """Raise OracleRefusedError when ``folder`` is an oracle evaluator; ``use`` names what it would select."""
    if is_oracle(folder):
        raise OracleRefusedError(
            f"refusing the oracle evaluator {Path(folder).name!r} as {use}: it exists only to measure "
            "out-of-distribution generation (it has seen the benchmark's kind of clips), and an instrument that "
            "chooses data or checkpoints would select them with the benchmark's own judge. Use a filter "
            "evaluator (training.train_evaluator --train-half 1 --seed 1 ...) instead.")
