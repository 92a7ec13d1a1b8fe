"""Which survey figures may be shown, as pure rules over counts (no Django); docs/survey.md explains each.

A survey figure is a count of answers among a group of responses. It is shown only when the group has at
least `k` responses (k ≥ 5), and a breakdown of a group by role only when every role group and its
complement within the group have at least `k`.
"""

from collections.abc import Mapping


def group_shown(n: int, k: int) -> bool:
    """A group's results are shown from `k` responses up; none of them below."""
    return n >= k


def breakdown_shown(groups: Mapping[str, int], k: int) -> bool:
    """A breakdown by role is shown when it splits the group at all, and every non-empty role group and
    the rest of the group beside it (its complement) have at least `k` responses."""
    total = sum(groups.values())
    present = [n for n in groups.values() if n > 0]
    return len(present) >= 2 and all(n >= k and total - n >= k for n in present)


def share(count: int, n: int) -> float:
    """`count` of `n` as a share between 0 and 1 (n > 0)."""
    return count / n
