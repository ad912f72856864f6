from tests.fixtures import build_folder
from training import token_jitter


def test_bad_arguments_are_clear_errors(tmp_path, capsys):
    folder = build_folder(tmp_path / "d", {"test": ["a0"]})
    assert token_jitter.main(["--data", str(folder), "--clips", "0"]) == 2
    assert "--clips must be >= 1" in capsys.readouterr().err
    assert token_jitter.main(["--data", str(folder), "--generator", str(tmp_path)]) == 2
    assert "is not a checkpoint folder" in capsys.readouterr().err
