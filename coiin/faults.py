"""Fault-injection points for the system tests in tests/system/. Inert unless COIIN_FAULT_DIR is set.

With COIIN_FAULT_DIR naming a directory, `fault_point(name, detail)` appends the line
"<name> <pid> <detail>" to <dir>/events, so a test can see which process is mid-task (and kill
exactly that one) and count attempts. It then sleeps COIIN_FAULT_<NAME>_SLEEP seconds, and raises
`OperationalError` while fewer than COIIN_FAULT_<NAME>_RAISE earlier hits of the point are recorded.
Production never sets these variables; unset, a point costs one environment lookup.
"""

import os
import time

from django.db import OperationalError


def fault_point(name: str, detail: object = "") -> None:
    directory = os.environ.get("COIIN_FAULT_DIR")
    if not directory:
        return
    with open(os.path.join(directory, "events"), "a+", encoding="utf-8") as events:
        events.seek(0)
        earlier = sum(1 for line in events if line.split(" ", 1)[0] == name)
        events.write(f"{name} {os.getpid()} {detail}\n")  # one short O_APPEND write: not interleaved
    key = name.upper()
    time.sleep(float(os.environ.get(f"COIIN_FAULT_{key}_SLEEP", "0")))
    if earlier < int(os.environ.get(f"COIIN_FAULT_{key}_RAISE", "0")):
        raise OperationalError(f"fault injected at {name}, hit {earlier + 1}")
