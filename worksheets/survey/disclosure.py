"""Which survey figures may be shown, as pure rules over counts (no Django); docs/survey.md explains each.

A survey figure is a count of answers among a group of responses. It is shown only when the group has at
least `k` responses (k ≥ 5), and a breakdown of a group by role only when every role group and its
complement within the group have at least `k`. A breakdown of a pool of groups (the collaborative's
month) whose parts have breakdowns of their own (its teams') is shown only when what is left after
taking the parts' breakdowns away passes the same rule.
"""

from collections import Counter
from collections.abc import Iterable, Mapping


def group_shown(n: int, k: int) -> bool:
    """A group's results are shown from `k` responses up; none of them below."""
    return n >= k


def breakdown_shown(groups: Mapping[str, int], k: int) -> bool:
    """A breakdown by role is shown when it splits the group at all, and every non-empty role group and
    the rest of the group beside it (its complement) have at least `k` responses."""
    total = sum(groups.values())
    present = [n for n in groups.values() if n > 0]
    return len(present) >= 2 and all(n >= k and total - n >= k for n in present)


def pooled_breakdown_shown(
    groups: Mapping[str, int], parts_shown: Iterable[Mapping[str, int]], k: int
) -> bool:
    """A pool's breakdown by role (`groups`), when some of its parts show their own breakdowns
    (`parts_shown`): the pool's breakdown passes `breakdown_shown`, and so does the rest of the pool once
    those parts are subtracted (or nothing is left), since anyone may do that subtraction."""
    rest = Counter(groups)
    for part in parts_shown:
        rest.subtract(part)
    left = {role: n for role, n in rest.items() if n}
    return breakdown_shown(groups, k) and (not left or breakdown_shown(left, k))


def share(count: int, n: int) -> float:
    """`count` of `n` as a share between 0 and 1 (n > 0)."""
    return count / n
