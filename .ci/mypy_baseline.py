"""Run mypy and compare its errors with .ci/mypy-baseline.txt: a new error fails, and so does a listed
error that is gone (remove its line, so the baseline only shrinks). The goal is an empty baseline.

Errors are compared without line numbers (path, error code, message), counted, so editing a file
with a listed error does not fail the check; adding another error of the same kind does.

    python .ci/mypy_baseline.py            # check (make lint, CI)
    python .ci/mypy_baseline.py --write    # rewrite the baseline from the current errors
"""

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / ".ci" / "mypy-baseline.txt"
ERROR = re.compile(r"^(?P<path>[^:\s]+):\d+(?::\d+)?: error: (?P<message>.*?)\s+\[(?P<code>[a-z-]+)\]$")


def current_errors() -> Counter[str]:
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary", "--no-pretty", "--show-error-codes"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode not in (0, 1):  # 2: mypy itself failed (bad config, crash)
        sys.exit(run.stdout + run.stderr)
    errors: Counter[str] = Counter()
    for line in run.stdout.splitlines():
        if match := ERROR.match(line):
            errors[f"{match['path']}: [{match['code']}] {match['message']}"] += 1
    return errors


def main() -> int:
    errors = current_errors()
    if "--write" in sys.argv:
        BASELINE.write_text("".join(f"{e}\n" for e in sorted(errors.elements())))
        print(f"mypy baseline: {sum(errors.values())} errors written to {BASELINE.relative_to(ROOT)}")
        return 0
    listed = Counter(line for line in BASELINE.read_text().splitlines() if line.strip())
    new, fixed = errors - listed, listed - errors
    for error in sorted(new.elements()):
        print(f"new mypy error: {error}")
    for error in sorted(fixed.elements()):
        print(f"fixed (remove its line from {BASELINE.name}): {error}")
    print(f"mypy: {sum(errors.values())} errors, all in the baseline" if not new and not fixed else "")
    return 1 if new or fixed else 0


if __name__ == "__main__":
    sys.exit(main())
