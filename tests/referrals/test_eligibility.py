"""The pure eligibility rules and the fair order (no database)."""

import datetime as dt
from collections import Counter

import pytest

from referrals.eligibility import Condition, Facts, evaluate, facts_from, fair_order

TODAY = dt.date(2026, 12, 5)


def test_facts_weeks_of_pregnancy_from_the_due_date_and_age_in_whole_months():
    facts = facts_from(today=TODAY, due_date=TODAY + dt.timedelta(weeks=12), child_birth_date=dt.date(2026, 10, 6),
                       first_time_parent=None, income_below_poverty=True)  # fmt: skip
    assert (facts.pregnant, facts.weeks_pregnant, facts.child_age_months) == (True, 28, 1)
    born = facts_from(today=TODAY, due_date=None, child_birth_date=dt.date(2026, 10, 5),
                      first_time_parent=False, income_below_poverty=None)  # fmt: skip
    assert (born.pregnant, born.weeks_pregnant, born.child_age_months) == (False, None, 2)


NFP = [Condition(1, "pregnant", "is_true", None), Condition(1, "first_time_parent", "is_true", None),
       Condition(1, "weeks_pregnant", "at_most", 28)]  # fmt: skip
HFA = [Condition(1, "pregnant", "is_true", None), Condition(2, "child_age_months", "at_most", 2)]


@pytest.mark.parametrize(
    ("rules", "facts", "verdict"),
    [
        (NFP, Facts(True, 20, None, True, None), "eligible"),
        (NFP, Facts(True, 30, None, True, None), "not_eligible"),
        (NFP, Facts(True, 20, None, None, None), "check"),  # first child? not asked yet
        (HFA, Facts(False, None, 2, False, None), "eligible"),  # the second group suffices
        (HFA, Facts(False, None, 3, False, None), "not_eligible"),
        (HFA, Facts(None, None, None, None, None), "check"),
        ([], Facts(None, None, None, None, None), "eligible"),  # no rule: open to the whole area
    ],
)
def test_groups_of_conditions(rules, facts, verdict):
    assert evaluate(rules, facts) == verdict


def test_the_order_is_the_same_for_one_referral_and_favours_no_program_across_referrals():
    programs = ["p-a", "p-b", "p-c", "p-d"]
    assert fair_order(programs, seed="r1") == fair_order(list(reversed(programs)), seed="r1")
    firsts = Counter(fair_order(programs, seed=f"referral-{i}")[0] for i in range(4000))
    assert set(firsts) == set(programs)
    assert all(900 <= n <= 1100 for n in firsts.values()), firsts  # 1000 each expected; ±3.5 sd
