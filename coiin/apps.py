from typing import Any

from django.apps import AppConfig
from django.core.management import call_command
from django.db.models.signals import post_migrate


def _create_cache_table(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """The database cache holds rate-limit counters; `migrate` creates its table so no deploy step
    can forget it (createcachetable skips a table that exists)."""
    call_command("createcachetable", database=using, verbosity=0)


class CoiinConfig(AppConfig):
    """Project-wide wiring: the audit-log signal receivers and the cache table."""

    name = "coiin"

    def ready(self) -> None:
        from coiin import signals  # noqa: F401  (connects the audit receivers)

        # post_migrate is sent once per app that has models, and this one has none: listen to them all
        # (cheap: the command skips a table that exists).
        post_migrate.connect(_create_cache_table, dispatch_uid="coiin.create_cache_table")
