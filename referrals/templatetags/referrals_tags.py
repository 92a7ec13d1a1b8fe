"""Markup of the referral network's lists, built in Python: the hub queue's 100 rows rendered by the
template language (an include, a url tag and two filters per row) were most of the page's time."""

import uuid
from typing import Any

from django import template
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from referrals.models import Referral, Status

register = template.Library()

_BADGE = {
    Status.COMPLETED: "text-bg-success",
    Status.FAILED: "text-bg-secondary",
    Status.CANCELLED: "text-bg-secondary",
    Status.REJECTED: "text-bg-warning",
}
_PLACEHOLDER = str(uuid.UUID(int=0))


@register.simple_tag
def status_badge(r: Referral) -> SafeString:
    """The referral's status as a badge, and its outcome once closed."""
    badge = format_html(
        '<span class="badge {}">{}</span>',
        _BADGE.get(Status(r.status), "text-bg-primary"),
        r.get_status_display(),
    )
    if r.outcome:
        return format_html('{} <span class="small" data-outcome>{}</span>', badge, r.get_outcome_display())
    return badge


def _flags(r: Any, stale_after_days: int) -> SafeString:
    flags = []
    if r.is_stale:
        flags.append(
            format_html('<span class="badge text-bg-danger">No contact in {} days</span>', stale_after_days)
        )
    if r.duplicate_of_id:
        flags.append(format_html('<span class="badge text-bg-warning">{}</span>', "Possible duplicate"))
    if r.duplicate_enrolled:
        flags.append(
            format_html('<span class="badge text-bg-warning">{}</span>', "Already enrolled elsewhere?")
        )
    return format_html_join(" ", "{}", ((f,) for f in flags))


@register.simple_tag
def queue_rows(queue: Any, stale_after_days: int) -> SafeString:
    """The hub queue's table rows (`selectors.hub_queue`, annotated `is_stale`)."""
    detail = reverse("referral-detail", args=[_PLACEHOLDER])
    rows = []
    for r in queue:
        created = timezone.localtime(r.created_at)
        rows.append((
            detail.replace(_PLACEHOLDER, str(r.public_id)), r.reference_code, created.isoformat(),
            dateformat.format(created, "M j, Y"),
            r.source_organization.name if r.source_organization else r.get_source_display(),
            status_badge(r), r.program.name if r.program else "—", _flags(r, stale_after_days),
        ))  # fmt: skip
    if not rows:
        return format_html('<tr><td colspan="6">{}</td></tr>', "No open referrals.")
    return format_html_join(
        "\n",
        '<tr><th scope="row"><a href="{}">{}</a></th><td><time datetime="{}">{}</time></td><td>{}</td>'
        "<td>{}</td><td>{}</td><td>{}</td></tr>",
        rows,
    )
