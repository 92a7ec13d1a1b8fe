"""System checks for values that are set but unwise together."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Warning, register


@register(deploy=True)
def warn_on_embedded_mode_in_production(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    if not settings.DEBUG and not settings.REDIS_URL:
        messages.append(
            Warning(
                "DEBUG is off but no REDIS_URL is set: run-chart recomputes will run inside web requests.",
                hint="Set REDIS_URL and run a Celery worker and beat (see docker-compose.yml).",
                id="coiin.W001",
            )
        )
    if not settings.DEBUG and not settings.DATABASE_URL:
        messages.append(
            Warning(
                "DEBUG is off but no DATABASE_URL is set: data is kept in a SQLite file.",
                hint="Set DATABASE_URL to a PostgreSQL database.",
                id="coiin.W002",
            )
        )
    return messages
