"""CI runs ``bash .ci/run`` on a clean clone: the script must parse and call `make test`."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / ".ci" / "run"


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_the_ci_script_parses():
    done = subprocess.run(["bash", "-n", str(SCRIPT)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_the_ci_script_lints_then_runs_the_readme_test_command():
    commands = [
        line.strip()
        for line in SCRIPT.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert "make test" in (ROOT / "README.md").read_text()
    assert commands[-2:] == ["make lint", "make test"]
