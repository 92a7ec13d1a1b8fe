"""G17: no Bandit finding (ruff's "S" rules, including S608 SQL built from strings) outside the
justified per-file ignores in pyproject.toml. pip-audit runs in .ci/run, where PyPI is reachable."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_no_bandit_findings_in_the_code_base():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--select", "S", "--output-format", "json", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    findings = json.loads(result.stdout)
    sql = [f for f in findings if f["code"] == "S608"]
    print(f"G17: {len(findings)} Bandit (ruff S) findings, {len(sql)} S608")
    assert findings == []
