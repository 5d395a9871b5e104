"""The budget counting works without pabutools' proprietary solver: pabutools requires
gurobipy (for analyses Tinget never runs) and the image uninstalls it (Dockerfile). Here the
counting and Pabulib tests run in a process where gurobipy cannot be imported (pulp, which
pabutools uses, then finds it unavailable, as it does where it was never installed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import sys
sys.modules["gurobipy"] = None  # import gurobipy raises ImportError from here on
import pytest
chosen = "0-approval or 0-points or 0-ranked or pabulib"
code = pytest.main(["-q", "-p", "no:cacheprovider", "-k", chosen, *sys.argv[1:]])
assert "gurobipy" not in [m for m, v in sys.modules.items() if v is not None]
sys.exit(code)
"""


def test_counting_and_pabulib_work_without_gurobipy() -> None:
    ran = subprocess.run(
        [
            sys.executable,
            "-c",
            PROBE,
            "tests/domain/test_budget_counting.py",
            "tests/domain/test_budget_pabulib.py",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
    assert " passed" in ran.stdout, ran.stdout[-500:]
    assert " failed" not in ran.stdout, ran.stdout[-500:]
