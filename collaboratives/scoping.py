"""The one tenant-scoping entry point: `Model.objects.visible_to(user)`, and the guard that enforces it.

The guard (docs/architecture.md §4.3, the idea of django-scopes and of NetBox's `_check_restriction`): while
it is on, evaluating a `ScopedQuerySet` that did not come from `visible_to(user)` raises
`UnscopedQueryError`. "Evaluating" is every way a query reaches the database: iteration, `len`,
`get`, `first`, `count`, `exists`, `aggregate`, `update`, `delete`, `iterator`, `in_bulk`, `contains`.
Building a queryset, `create()` and `Model.save()` are not checked.

A queryset counts as scoped when it
- came from `visible_to(user)`, or was chained from one (`.filter()`, `.values()`, ... keep the mark);
- came from `unscoped(reason="...")`, the one greppable escape hatch for trusted code: computing a
  user's grants, a service re-reading rows of an object the caller already loaded through
  `visible_to` and checked with `access.require`;
- is a related manager's queryset (`lia.invitations.all()`): it is confined to the instance it hangs
  off, which was itself loaded through a scoped queryset;
- is Django's own uniqueness check in `full_clean()` (`validate_unique`, `UniqueConstraint.validate`),
  which only asks whether a clashing row exists and reports a field error.

The guard is on only while `guarded()` is active. The test suite turns it on for every request the
test client makes (tests/conftest.py), and off inside Celery tasks, which are trusted and take their
scope from the object they load (docs/architecture.md §4). Goal G5: 0 unscoped tenant-model queries in a
full test run.
"""

import functools
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from types import FrameType
from typing import Any, ClassVar, Self

from django.core.exceptions import EmptyResultSet
from django.db import models
from django.db.models import Lookup

from collaboratives import access


class InIdSet(Lookup):
    """`field__in_set=ids`: the column is one of a set of ids, as `__in`, sent as one parameter.

    Scoping compares columns to a user's grants, which for an admin or awardee lead of a large
    collaborative hold hundreds of team ids. As `IN (%s, %s, ...)` Django prepares each id, psycopg
    splits a query too long for its cache, and PostgreSQL parses each literal, on every query of
    every page: at 175 teams that was a fifth of the aggregate API's time. PostgreSQL gets
    `= ANY(array)`, one parameter (same rows, same index use); other databases get `IN`.
    """

    lookup_name = "in_set"
    prepare_rhs = False

    def get_prep_lookup(self) -> list[int]:
        return sorted(int(v) for v in self.rhs)

    def as_sql(self, compiler: Any, connection: Any) -> Any:  # (sql, params); Django types params as a tuple
        if not self.rhs:
            raise EmptyResultSet  # as `__in=[]`: no row, and an OR around it still works
        lhs, params = self.process_lhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s::bigint[])", [*params, self.rhs]
        return f"{lhs} IN ({', '.join(['%s'] * len(self.rhs))})", [*params, *self.rhs]


models.Field.register_lookup(InIdSet)
models.ForeignObject.register_lookup(InIdSet)  # a relation's lookups are its own, not Field's

_guard_on: ContextVar[bool] = ContextVar("coiin_scope_guard", default=False)


class UnscopedQueryError(RuntimeError):
    """A tenant-model queryset was evaluated without `visible_to(user)` or `unscoped(reason=...)`."""


@contextmanager
def guarded(on: bool = True) -> Iterator[None]:
    """Within the block, unscoped evaluation raises (`on=True`) or is allowed (`on=False`)."""
    token = _guard_on.set(on)
    try:
        yield
    finally:
        _guard_on.reset(token)


class ScopedQuerySet(models.QuerySet):
    """A queryset whose rows belong to a tenant scope (team, LIA, awardee or collaborative).

    `scope_field` is the lookup that decides visibility; `scope_kind` names which id set of
    `access.visible_ids` it is compared to. Team-owned rows use ("team", "team").
    """

    scope_field: ClassVar[str] = "team"
    scope_kind: ClassVar[access.ScopeKind] = "team"
    _scoped: bool = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A subclass's own `visible_to` (peer rules) marks its result as scoped too."""
        super().__init_subclass__(**kwargs)
        if "visible_to" in cls.__dict__:
            own = cls.__dict__["visible_to"]

            @functools.wraps(own)
            def visible_to(self: ScopedQuerySet, user: Any, **narrowing: Any) -> ScopedQuerySet:
                return own(self, user, **narrowing)._marked()

            cls.visible_to = visible_to  # type: ignore[method-assign,assignment]

    def visible_to(self, user: Any) -> Self:
        if access.sees_everything(user):
            return self._marked()
        return self.filter(
            **{f"{self.scope_field}__in_set": access.visible_ids(user, self.scope_kind)}
        )._marked()

    def unscoped(self, *, reason: str) -> Self:
        """Trusted code's explicit way past the guard; `reason` says why no user scope applies."""
        if not reason.strip():
            raise ValueError("unscoped() needs a reason.")
        return self._marked()

    def _marked(self) -> Self:
        clone = self._chain()  # type: ignore[attr-defined]  # QuerySet's private copy, not in the stubs
        clone._scoped = True
        return clone

    def _clone(self) -> Self:
        clone = super()._clone()  # type: ignore[misc]  # QuerySet's private copy, not in the stubs
        clone._scoped = self._scoped
        return clone

    def _check_scope(self) -> None:
        hints = self._hints  # type: ignore[attr-defined]  # set by related managers, not in the stubs
        if not _guard_on.get() or self._scoped or "instance" in hints or _in_uniqueness_check():
            return
        raise UnscopedQueryError(
            f"{self.model.__name__} queryset evaluated without visible_to(user) or unscoped(reason=...)"
        )

    def _fetch_all(self) -> None:
        if self._result_cache is None:
            self._check_scope()
        super()._fetch_all()

    def count(self) -> int:
        if self._result_cache is None:
            self._check_scope()
        return super().count()

    def exists(self) -> bool:
        if self._result_cache is None:
            self._check_scope()
        return super().exists()

    def contains(self, obj: models.Model) -> bool:
        self._check_scope()
        return super().contains(obj)

    def aggregate(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        self._check_scope()
        return super().aggregate(*args, **kwargs)

    def iterator(self, chunk_size: int | None = None) -> Iterator[Any]:
        self._check_scope()
        return super().iterator(chunk_size=chunk_size)

    def in_bulk(self, *args: Any, **kwargs: Any) -> dict[Any, Any]:
        self._check_scope()
        return super().in_bulk(*args, **kwargs)

    def update(self, **kwargs: Any) -> int:
        self._check_scope()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        self._check_scope()
        return super().delete()


_UNIQUENESS_CHECKS = {
    models.Model._perform_unique_checks.__code__,  # type: ignore[attr-defined]  # private, not in the stubs
    models.UniqueConstraint.validate.__code__,
}


def _in_uniqueness_check() -> bool:
    frame: FrameType | None = sys._getframe(2)
    for _ in range(8):  # the check is a few frames up: exists() ← _check_scope ← here
        if frame is None:
            return False
        if frame.f_code in _UNIQUENESS_CHECKS:
            return True
        frame = frame.f_back
    return False


# One ScopedQuerySet per (scope kind, field) the models use, written out so that mypy's Django plugin
# sees each model's manager type: `objects = TeamOwned.as_manager()`.


class AwardeeItself(ScopedQuerySet):
    """An Awardee: visible when its id is one the user sees."""

    scope_kind = "awardee"
    scope_field = "id"


class LIAItself(ScopedQuerySet):
    scope_kind = "lia"
    scope_field = "id"


class CollaborativeItself(ScopedQuerySet):
    scope_kind = "collaborative"
    scope_field = "id"


class TeamItself(ScopedQuerySet):
    scope_kind = "team"
    scope_field = "id"


class CollaborativeOwned(ScopedQuerySet):
    """A row with a `collaborative` foreign key that decides who sees it."""

    scope_kind = "collaborative"
    scope_field = "collaborative"


class LIAOwned(ScopedQuerySet):
    scope_kind = "lia"
    scope_field = "lia"


class TeamOwned(ScopedQuerySet):
    scope_kind = "team"
    scope_field = "team"
