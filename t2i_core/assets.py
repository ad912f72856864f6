"""Where the repository's shipped checkpoints and demo sets are (the one place that spells the paths)."""

from __future__ import annotations

from pathlib import Path

ASSETS = Path(__file__).resolve().parents[1] / "assets"
SHIPPED_MODEL = ASSETS / "interactor"             # the two-person InterActor the app serves
SHIPPED_EVALUATOR = ASSETS / "evaluator"          # the protocol's text-motion evaluator
SHIPPED_FILTER_EVALUATOR = ASSETS / "filter_evaluator"  # InterCompose's default filter (never the protocol's)
SHIPPED_SINGLE_PERSON = ASSETS / "single_person"  # InterCompose's single-person prior
SHIPPED_SINGLE_EVALUATOR = ASSETS / "single_evaluator"  # the single-person prior's instrument
SHIPPED_ORACLE_EVALUATOR = ASSETS / "oracle_evaluator"  # measures out-of-distribution generation only
DEMO_SETS = ASSETS / "demo"                       # the always-offered data root of the app
DEMO_STUDY = ASSETS / "study_demo"
