"""The project's promises about itself: two set-up commands, CI running the same tests, lint."""

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text()
    section = text.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", section, flags=re.S)


def test_readme_has_exactly_two_setup_commands():
    commands = readme_commands()
    assert len(commands) == 2, commands
    install_and_run, install_and_test = commands
    assert "requirements.txt" in install_and_run and "app.py" in install_and_run
    assert "requirements-dev.txt" in install_and_test and "pytest" in install_and_test


def test_ci_runs_the_readme_test_command():
    ci_lines = [line.strip() for line in (REPO / ".ci" / "run").read_text().splitlines()]
    assert readme_commands()[1].strip() in ci_lines


def test_dev_requirements_include_the_runtime_ones():
    assert "-r requirements.txt" in (REPO / "requirements-dev.txt").read_text().splitlines()


def test_ruff_is_clean():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", str(REPO)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_fast_loop_is_named_and_its_markers_are_registered():
    import tomllib

    markers = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["markers"]
    assert {m.split(":", 1)[0] for m in markers} >= {"browser", "slow"}
    assert '-m pytest -q -m "not browser and not slow"' in (REPO / "README.md").read_text()
    assert "-m" not in readme_commands()[1].split("pytest", 1)[1]  # the README's (and CI's) command runs all
