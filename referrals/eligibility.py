"""Eligibility as data: a program's rules evaluated against one family's answers, and the fair order.

Pure Python (no Django, no I/O; month counting from collaboratives/months.py, which imports nothing): the service gathers the facts and the rules and stores the result.
A program's rules are groups of conditions: every condition of a group must hold, and any one group
suffices (so "pregnant, or a child under 3 months" is two groups). A condition on a fact the family
did not give is neither met nor failed: the program is "check" (ask the family), not dropped.
"""

import datetime as dt
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from collaboratives import months as calendar_months

Verdict = Literal["eligible", "check", "not_eligible"]


@dataclass(frozen=True)
class Condition:
    group: int
    fact: str
    operator: str  # is_true | at_most | at_least
    value: int | None


@dataclass(frozen=True)
class Facts:
    pregnant: bool | None
    weeks_pregnant: int | None
    child_age_months: int | None
    first_time_parent: bool | None
    income_below_poverty: bool | None


def facts_from(
    *,
    today: dt.date,
    due_date: dt.date | None,
    child_birth_date: dt.date | None,
    first_time_parent: bool | None,
    income_below_poverty: bool | None,
) -> Facts:
    """Pregnancy weeks from the due date (40 weeks at term); age in whole months from the birth date."""
    pregnant = due_date is not None and due_date >= today
    weeks = 40 - (due_date - today).days // 7 if due_date is not None and pregnant else None
    months = None
    if child_birth_date is not None:
        months = calendar_months.between(child_birth_date, today) - (today.day < child_birth_date.day)
    return Facts(
        pregnant=pregnant if (due_date is not None or child_birth_date is not None) else None,
        weeks_pregnant=weeks,
        child_age_months=months,
        first_time_parent=first_time_parent,
        income_below_poverty=income_below_poverty,
    )


def _holds(condition: Condition, facts: Facts) -> bool | None:
    value = getattr(facts, condition.fact)
    if value is None:
        return None
    match condition.operator:
        case "is_true":
            return bool(value)
        case "at_most":
            return value <= (condition.value or 0)
        case "at_least":
            return value >= (condition.value or 0)
    raise ValueError(f"Unknown operator {condition.operator!r}")


def evaluate(conditions: Iterable[Condition], facts: Facts) -> Verdict:
    """A program with no conditions is open to every family in its area."""
    groups: dict[int, list[bool | None]] = {}
    for c in conditions:
        groups.setdefault(c.group, []).append(_holds(c, facts))
    if not groups:
        return "eligible"
    verdicts = [
        "not_eligible" if False in results else "check" if None in results else "eligible"
        for results in groups.values()
    ]
    for verdict in ("eligible", "check"):
        if verdict in verdicts:
            return verdict
    return "not_eligible"


def fair_order(program_ids: Sequence[str], *, seed: str) -> list[str]:
    """The programs in an order that favours no agency: a shuffle seeded by the referral.

    Sorting first makes the result depend only on the set of programs and the seed, so the same
    referral always shows the same order (the coordinator and the record agree), while across
    referrals each program is first equally often. Not for secrecy: `random.Random` is fine.
    """
    ordered = sorted(program_ids)
    random.Random(seed).shuffle(ordered)  # noqa: S311
    return ordered
