"""The one tenant-scoping entry point: `Model.objects.visible_to(user)`."""

from typing import Any, ClassVar, Self

from django.db import models

from collaboratives import access


class ScopedQuerySet(models.QuerySet):
    """A queryset whose rows belong to a tenant scope (team, LIA, awardee or collaborative).

    `scope_field` is the lookup that decides visibility; `scope_kind` names which id set of
    `access.visible_ids` it is compared to. Team-owned rows use ("team", "team").
    """

    scope_field: ClassVar[str] = "team"
    scope_kind: ClassVar[access.ScopeKind] = "team"

    def visible_to(self, user: Any) -> Self:
        if access.sees_everything(user):
            return self.all()
        return self.filter(**{f"{self.scope_field}__in": access.visible_ids(user, self.scope_kind)})


def scoped_queryset(kind: access.ScopeKind, field: str) -> type[ScopedQuerySet]:
    """A ScopedQuerySet subclass keyed on `field`, e.g. scoped_queryset("collaborative", "collaborative")."""
    return type(
        f"ScopedBy{kind.title()}{field.title()}QuerySet",
        (ScopedQuerySet,),
        {"scope_field": field, "scope_kind": kind},
    )
