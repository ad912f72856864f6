import json
from pathlib import Path

from t2i_core.study.store import VoteStore
from training.study import main

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "assets" / "study_demo"


def test_prepare_refuses_a_config_with_a_missing_checkpoint(tmp_path, capsys):
    config = tmp_path / "study.json"
    config.write_text(json.dumps({"name": "x", "prompts": ["hi"], "systems": [
        {"name": "a", "checkpoint": "nowhere"}, {"name": "b", "checkpoint": "nowhere"}]}))
    assert main(["prepare", "--config", str(config), "--out", str(tmp_path / "out")]) == 2
    assert "system 'a': the checkpoint cannot be used" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_results_prints_the_tables_and_exports_csv(tmp_path, capsys):
    store = VoteStore(tmp_path / "votes.sqlite")
    for i in range(3):
        store.record("demo-guidance", f"r{i}", "t1", {"text": "left", "motion": "right"}, "guidance-1", "guidance-3.5")
    csv = tmp_path / "votes.csv"
    assert main(["results", "--db", str(store.path), "--study", str(DEMO), "--csv", str(csv)]) == 0
    out = capsys.readouterr().out
    assert "guidance-1 vs guidance-3.5" in out and "3 : 0" in out and "0 : 3" in out
    assert csv.read_text().count("\n") == 7  # header + 6 votes
