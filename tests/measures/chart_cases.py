"""The five charts of issue 20, as counts per month: exact figure tests and browser screenshots share them."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

START = dt.date(2025, 1, 1)
BASE = [5, 4, 6, 5, 5, 4, 6, 5, 5, 6, 4, 5]  # twelve baseline months, median 50%


def month(i: int) -> dt.date:
    return dt.date(START.year + (START.month - 1 + i) // 12, (START.month - 1 + i) % 12 + 1, 1)


@dataclass(frozen=True)
class Case:
    code: str
    name: str
    numerators: list[int | None]
    denominator: int = 10
    kind: str = "proportion"
    direction: str = "up"
    goal: int | float | None = None
    scale_max: int | None = None
    notes: list[tuple[dt.date, str]] = field(default_factory=list)

    def points(self) -> list[dict[str, Any]]:
        return [
            {
                "month": month(i).isoformat(),
                "numerator": n,
                "denominator": None if n is None else self.denominator,
                "value": None if n is None else round(n / self.denominator, 12),
            }
            for i, n in enumerate(self.numerators)
        ]


# 30 notes over 24 months: several share a month, one is dated after the data and one before it.
THIRTY_NOTES = [(month(i % 24), f"Note {k + 1}: {'PDSA: ' if k % 3 == 0 else ''}test number {k + 1}") for k, i in
                enumerate([0, 1, 2, 2, 3, 4, 5, 5, 5, 6, 7, 8, 9, 10, 11, 12, 12, 13, 14, 15, 16, 17, 18, 19, 20,
                           21, 22, 23])]  # fmt: skip
THIRTY_NOTES += [
    (dt.date(2029, 6, 1), "Closing webinar (after the data)"),
    (dt.date(2024, 6, 1), "Kick-off (before)"),
]

CASES = {
    "improvement": Case("imp", "Postpartum depression screening", BASE + [8, 8, 9, 8, 9, 8], goal=70),
    "concern": Case("con", "Developmental screening", BASE + [3, 2, 3, 2, 3, 2], goal=70),
    "ceiling": Case(
        "ceil",
        "Safe sleep education",
        [10, 10, 9, 10, 10, 8, 10, 10, 9, 10, 10, 9, 10, 10, 7, 10, 10, 9],
        goal=95,
    ),
    "notes": Case(
        "notes",
        "Referral follow-up",
        [5, 6, 4, 5, 6, 4, 5, 7, 4, 6, 5, 4, 6, 5, 5, 6, 4, 6, 5, 7, 5, 4, 6, 5],
        goal=60,
        notes=THIRTY_NOTES,
    ),  # fmt: skip
    "mean": Case(
        "link",
        "Ease of linkage (0–6)",
        [38, 41, 36, 40, 39, 42, 37, 40, 41, 38, 44, 45, 46, 47, 48, 46],
        denominator=10,
        kind="mean",
        goal=4.5,
        scale_max=6,
    ),  # fmt: skip
}
