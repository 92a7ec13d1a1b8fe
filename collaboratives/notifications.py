"""In-app notifications: the one place that writes and reads them.

Any app may tell a person something with `notification_send`; the navigation bar shows the count of
unread ones (`notification_unread_count`) and /notifications/ lists them. A notification with a `key`
is sent at most once per person and key, so a periodic task (data due, a stale referral, an event
reminder) may run again without telling anyone twice.
"""

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from collaboratives.models import Notification


def _local_path(url: str) -> str:
    """A notification links only within this site: a path, never another host."""
    if url and (not url.startswith("/") or not url_has_allowed_host_and_scheme(url, allowed_hosts=None)):
        raise ValueError(f"A notification links to a path on this site, not {url!r}.")
    return url


def notification_send(
    *, recipient: Any, kind: str, text: str, url: str = "", key: str = ""
) -> Notification | None:
    """Tell `recipient` something. Returns None when `key` was already sent to them (nothing new)."""
    notification = Notification(
        recipient=recipient, kind=kind, text=text[:300], url=_local_path(url), key=key
    )
    notification.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            notification.save()
    except IntegrityError:
        if not key:
            raise
        return None
    return notification


def notification_send_many(
    *, recipients: Iterable[Any], kind: str, text: str, url: str = "", key: str = ""
) -> int:
    """Tell each of `recipients` the same thing; returns how many were told (new to them)."""
    return sum(
        notification_send(recipient=r, kind=kind, text=text, url=url, key=key) is not None
        for r in {r.pk: r for r in recipients}.values()
    )


def notification_list(*, user: Any) -> QuerySet[Notification]:
    return Notification.objects.visible_to(user)


def notification_unread_count(*, user: Any) -> int:
    return notification_list(user=user).filter(read_at=None).count()


def notification_mark_read(*, actor: Any, notification: Notification) -> Notification:
    """Mark one of the actor's own notifications read (it was loaded through `notification_list`)."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification_list(user=actor).filter(id=notification.id).update(read_at=notification.read_at)
    return notification


def notification_mark_all_read(*, actor: Any) -> int:
    return notification_list(user=actor).filter(read_at=None).update(read_at=timezone.now())
