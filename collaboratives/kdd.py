"""What the key driver diagram page shows beside each change idea that `collaboratives` cannot count.

The diagram is this app's; how often teams tested each change idea is `pdsa`'s, and apps import one
way (docs/architecture.md §1, §2.2). So `pdsa` registers its count here at start-up (its AppConfig), as
it registers its chart notes with `measures.charts`; without it the page says "Not tested yet".
"""

from collections.abc import Callable, Mapping
from typing import Any

# `source(*, user, collaborative) -> {change idea id: row}`, a row with teams, cycles, adopt, adapt and
# abandon (pdsa.selectors.LedgerRow); counts only, so anyone who sees the collaborative may read them.
IdeaCounts = Callable[..., Mapping[int, Any]]
_sources: list[IdeaCounts] = []


def register_idea_counts(source: IdeaCounts) -> None:
    if source not in _sources:
        _sources.append(source)


def idea_counts(*, user: Any, collaborative: Any) -> dict[int, Any]:
    """The registered sources' counts per change idea of `collaborative`, as `user` may see them."""
    return {
        idea: row
        for source in _sources
        for idea, row in source(user=user, collaborative=collaborative).items()
    }
