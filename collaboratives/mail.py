"""Emails that must go once, however many workers or reruns try (docs/architecture.md §5.2)."""

import logging
from typing import Any

from django.core.mail import EmailMessage
from django.db.models import QuerySet
from django.utils import timezone

logger = logging.getLogger(__name__)


def send_once(
    *, row: QuerySet[Any], field: str, message: EmailMessage, claimed: dict[str, Any] | None = None
) -> bool:
    """Send `message` only if this call claims `row` (a queryset of the one row that records the
    sending) by setting its empty timestamp `field`, with the `claimed` values. Returns whether it
    was sent.

    The claim is a conditional UPDATE, so of two concurrent callers only one sends. A failed send
    releases the claim (the next run tries again rather than never): an SMTP or connection error is
    logged and gives False; anything else is raised after the release. No recipient: nothing is
    claimed or sent.
    """
    if not message.recipients():
        return False
    extra = claimed or {}
    if row.filter(**{field: None}).update(**{field: timezone.now()}, **extra) != 1:
        return False
    try:
        message.send()
    except Exception as exc:
        released = {name: type(value)() for name, value in extra.items()}
        row.update(**{field: None}, **released)
        if not isinstance(exc, OSError):  # SMTP errors are OSErrors
            raise
        logger.exception("%s could not be sent: %s", message.subject, exc)
        return False
    return True
