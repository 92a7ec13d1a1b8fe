import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from collaboratives import access, scoping
from collaboratives.mail import send_once
from collaboratives.models import ChangeIdea, Membership, Role, Team
from collaboratives.notifications import notification_send_many
from collaboratives.recipients import team_people
from collaboratives.uploads import upload_check
from measures.models import Measure
from pdsa.models import PHASES, PDSAAttachment, PDSACycle, PDSAReview, PDSAReviewMessage

# Plan, Do, Study and Act text and date fields, in the order teams are taught to fill them.
_PHASE_FIELDS = [PDSACycle._meta.get_field(name) for _, _, names in PHASES[1:] for name in names]
CYCLE_TEXT_FIELDS = tuple(f.name for f in _PHASE_FIELDS if isinstance(f, models.TextField))
CYCLE_DATE_FIELDS = tuple(f.name for f in _PHASE_FIELDS if isinstance(f, models.DateField))


def _field_value(name: str, value: str | dt.date | None) -> str | dt.date | None:
    """What a cycle stores for a Plan/Do/Study/Act field: a date as given, text stripped (None as "")."""
    if name in CYCLE_DATE_FIELDS or not (isinstance(value, str) or value is None):
        return value
    return (value or "").strip()


# (earlier date, later date, the later field's error) for each pair of a cycle's dates that must be in order.
DATE_ORDER = (
    ("planned_start", "planned_end", "The planned end date is before the planned start date."),
    ("started_on", "completed_on", "The completion date is before the date the test started."),
)


def _check_date_order(cycle: PDSACycle) -> None:
    """A cycle cannot end before it starts, as planned or as it ran."""
    errors = {
        later: message
        for earlier, later, message in DATE_ORDER
        if getattr(cycle, earlier)
        and getattr(cycle, later)
        and getattr(cycle, later) < getattr(cycle, earlier)
    }
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def pdsa_cycle_start(
    *,
    actor: Any,
    team: Team,
    title: str,
    change_idea: ChangeIdea | None = None,
    other_change_idea: str = "",
    previous: PDSACycle | None = None,
    measures: list[Measure] | tuple[Measure, ...] = (),
    **fields: str | dt.date | None,
) -> PDSACycle:
    """Start a cycle in Planning for `team`, testing a change idea of the team's collaborative.

    `fields` are the Plan/Do/Study/Act text and date fields by name. A cycle that follows `previous`
    continues that cycle's ramp, so it must be the same team's.
    """
    access.require(actor, access.Action.ENTER_DATA, team)
    unknown = set(fields) - set(CYCLE_TEXT_FIELDS) - set(CYCLE_DATE_FIELDS)
    if unknown:
        raise TypeError(f"pdsa_cycle_start got unknown fields: {sorted(unknown)}")
    if change_idea is not None and change_idea.collaborative_id != team.collaborative_id:
        raise ValidationError({"change_idea": "This change idea is not in the team's key driver diagram."})
    if previous is not None and previous.team_id != team.id:
        raise ValidationError({"previous": "A ramp continues one of the team's own cycles."})
    if change_idea is None and previous is not None and not other_change_idea:
        change_idea, other_change_idea = previous.change_idea, previous.other_change_idea
    if change_idea is None and not other_change_idea.strip():
        raise ValidationError(
            {"change_idea": "Choose the change idea this cycle tests, or describe another."}
        )
    for measure in measures:
        if measure.collaborative_id != team.collaborative_id:
            raise ValidationError({"measures": "A measure is not part of the team's collaborative."})
    cycle = PDSACycle(
        team=team,
        title=title.strip(),
        change_idea=change_idea,
        other_change_idea=other_change_idea.strip(),
        previous=previous,
        created_by=actor,
        **{name: _field_value(name, value) for name, value in fields.items()},
    )
    _check_date_order(cycle)
    cycle.full_clean()
    cycle.save()
    cycle.measures.set(measures)
    return cycle


# --- Editing, status, review (issue 6) ---

STATUS_ORDER = (
    PDSACycle.Status.PLANNING,
    PDSACycle.Status.DOING,
    PDSACycle.Status.STUDYING,
    PDSACycle.Status.DONE,
)
CYCLE_EDITABLE_FIELDS = frozenset({"title", "decision", *CYCLE_TEXT_FIELDS, *CYCLE_DATE_FIELDS})
RUBRIC_FIELDS = tuple(name for name, _ in PDSAReview.RUBRIC)


@transaction.atomic
def pdsa_cycle_update(
    *,
    actor: Any,
    cycle: PDSACycle,
    change_idea: ChangeIdea | None = None,
    other_change_idea: str = "",
    measures: list[Measure] | tuple[Measure, ...] | None = None,
    **fields: str | dt.date | None,
) -> PDSACycle:
    """Save the team's edits to a cycle's title, change idea, measures, Plan/Do/Study/Act text and dates."""
    access.require(actor, access.Action.ENTER_DATA, cycle.team)
    unknown = set(fields) - CYCLE_EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"pdsa_cycle_update got unknown fields: {sorted(unknown)}")
    if change_idea is not None and change_idea.collaborative_id != cycle.team.collaborative_id:
        raise ValidationError({"change_idea": "This change idea is not in the team's key driver diagram."})
    if change_idea is None and not other_change_idea.strip():
        raise ValidationError(
            {"change_idea": "Choose the change idea this cycle tests, or describe another."}
        )
    for measure in measures or ():
        if measure.collaborative_id != cycle.team.collaborative_id:
            raise ValidationError({"measures": "A measure is not part of the team's collaborative."})
    cycle = PDSACycle.objects.visible_to(actor).select_for_update().get(pk=cycle.pk)
    if cycle.status == PDSACycle.Status.DONE and not fields.get("decision", cycle.decision):
        raise ValidationError(
            {"decision": "A finished cycle keeps its act decision: adopt, adapt or abandon."}
        )
    cycle.change_idea = change_idea
    cycle.other_change_idea = other_change_idea.strip()
    for name, value in fields.items():
        setattr(cycle, name, _field_value(name, value))
    _check_date_order(cycle)
    cycle.full_clean()
    cycle.save()
    if measures is not None:
        cycle.measures.set(measures)
    return cycle


@transaction.atomic
def pdsa_cycle_advance(*, actor: Any, cycle: PDSACycle, today: dt.date | None = None) -> PDSACycle:
    """Move a cycle one step on: planning → doing → studying → done.

    Doing stamps `started_on` and done stamps `completed_on` (unless the team set them); done needs the
    act decision (adopt, adapt or abandon).
    """
    access.require(actor, access.Action.ENTER_DATA, cycle.team)
    cycle = PDSACycle.objects.visible_to(actor).select_for_update().get(pk=cycle.pk)
    if cycle.status == PDSACycle.Status.DONE:
        raise ValidationError(
            {"status": "This cycle is already done. Start the next cycle of the ramp instead."}
        )
    step = STATUS_ORDER[STATUS_ORDER.index(PDSACycle.Status(cycle.status)) + 1]
    today = today or timezone.localdate()
    if step == PDSACycle.Status.DONE and not cycle.decision:
        raise ValidationError(
            {"decision": "Record the act decision (adopt, adapt or abandon) before finishing the cycle."}
        )
    if step == PDSACycle.Status.DOING and cycle.started_on is None:
        cycle.started_on = today
    if step == PDSACycle.Status.DONE and cycle.completed_on is None:
        cycle.completed_on = today
    cycle.status = step
    cycle.full_clean()
    cycle.save()
    return cycle


@transaction.atomic
def pdsa_cycle_submit(*, actor: Any, cycle: PDSACycle) -> PDSAReview:
    """Send a cycle to the team's improvement advisor(s) for review; they are emailed once, after commit.

    A cycle has at most one review waiting at a time; each submission keeps its own row (the history).
    """
    access.require(actor, access.Action.ENTER_DATA, cycle.team)
    cycle = (
        PDSACycle.objects.visible_to(actor)
        .select_for_update()
        .select_related("team__lia", "team__collaborative")
        .get(pk=cycle.pk)
    )
    if cycle.reviews.filter(reviewed_at=None).exists():
        raise ValidationError({"cycle": "This cycle is already waiting for review."})
    review = PDSAReview(cycle=cycle, team=cycle.team, requested_by=actor, requested_at=timezone.now())
    review.full_clean()
    review.save()
    transaction.on_commit(partial(_trusted, pdsa_review_notify_advisors, review_id=review.id), robust=True)
    return review


@transaction.atomic
def pdsa_review_complete(
    *, actor: Any, review: PDSAReview, comment: str, **rubric: bool | None
) -> PDSAReview:
    """Record an advisor's feedback and rubric on a waiting review; the team is emailed once, after commit."""
    access.require(actor, access.Action.REVIEW, review.team)
    if set(rubric) != set(RUBRIC_FIELDS):
        raise TypeError(f"pdsa_review_complete needs exactly the rubric fields {RUBRIC_FIELDS}")
    review = PDSAReview.objects.visible_to(actor).select_for_update().get(pk=review.pk)
    if review.reviewed_at is not None:
        raise ValidationError({"review": "This review has already been given."})
    errors = {
        name: f"Say whether the cycle meets “{label.lower()}”."
        for name, label in PDSAReview.RUBRIC
        if rubric[name] is None
    }
    if not comment.strip():
        errors["comment"] = "Write feedback for the team."
    if errors:
        raise ValidationError(errors)
    for name, value in rubric.items():
        setattr(review, name, value)
    review.comment = comment.strip()
    review.reviewer = actor
    review.reviewed_at = timezone.now()
    review.full_clean()
    review.save()
    transaction.on_commit(partial(_trusted, pdsa_review_notify_team, review_id=review.id), robust=True)
    return review


def _cycle_link(cycle: PDSACycle) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("pdsa-cycle-detail", kwargs={"public_id": cycle.public_id})


def _trusted(notify: Callable[..., bool], **kwargs: Any) -> bool:
    """Run an after-commit notification as trusted code, like a Celery task: it loads its rows by id."""
    with scoping.guarded(on=False):
        return notify(**kwargs)


def _emails(memberships: Any) -> list[str]:
    return sorted(
        set(
            memberships.filter(user__is_active=True)
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
    )


def pdsa_review_notify_advisors(*, review_id: int) -> bool:
    """Email the team's advisors (or, if it has none, the collaborative's admins) about a submission, once."""
    review = PDSAReview.objects.select_related("cycle", "team__lia", "team__collaborative").get(id=review_id)
    team = review.team
    to = _emails(Membership.objects.filter(role=Role.ADVISOR, team=team)) or _emails(
        Membership.objects.filter(role=Role.COLLABORATIVE_ADMIN, collaborative=team.collaborative_id)
    )
    body = render_to_string(
        "pdsa/email/review_requested.txt",
        {"review": review, "team": team, "link": _cycle_link(review.cycle) + "review/"},
    )
    message = EmailMessage(f"PDSA for review: {review.cycle.title} ({team.lia.name})", body, None, to)
    notification_send_many(
        recipients=team_people(team=team, roles=[Role.ADVISOR])
        or team_people(team=team, roles=[Role.COLLABORATIVE_ADMIN]),
        kind="pdsa_review",
        text=f"{team.lia.name} sent “{review.cycle.title}” for review.",
        url=reverse("pdsa-cycle-review", kwargs={"public_id": review.cycle.public_id}),
        key=f"pdsa-review:{review.id}",
    )
    return send_once(
        row=PDSAReview.objects.filter(id=review.id), field="advisors_notified_at", message=message
    )


def pdsa_review_notify_team(*, review_id: int) -> bool:
    """Email the team's LIA members and CQI leads that their cycle was reviewed, once."""
    review = PDSAReview.objects.select_related("cycle", "reviewer", "team__lia").get(id=review_id)
    team = review.team
    to = _emails(Membership.objects.filter(role__in=[Role.TEAM_MEMBER, Role.CQI_LEAD], lia=team.lia_id))
    body = render_to_string(
        "pdsa/email/review_given.txt", {"review": review, "team": team, "link": _cycle_link(review.cycle)}
    )
    message = EmailMessage(f"Feedback on your PDSA: {review.cycle.title}", body, None, to)
    notification_send_many(
        recipients=team_people(team=team, roles=[Role.TEAM_MEMBER, Role.CQI_LEAD]),
        kind="feedback",
        text=f"Your improvement advisor gave feedback on “{review.cycle.title}”.",
        url=reverse("pdsa-cycle-detail", kwargs={"public_id": review.cycle.public_id}),
        key=f"pdsa-feedback:{review.id}",
    )
    return send_once(row=PDSAReview.objects.filter(id=review.id), field="team_notified_at", message=message)


# --- Attachments ---


@transaction.atomic
def pdsa_attachment_add(*, actor: Any, cycle: PDSACycle, filename: str, content: bytes) -> PDSAAttachment:
    """Keep a file with a cycle: one of collaboratives.uploads.UPLOAD_TYPES, at most 5 MB."""
    access.require(actor, access.Action.ENTER_DATA, cycle.team)
    name, content_type = upload_check(filename=filename, content=content)
    attachment = PDSAAttachment(
        cycle=cycle,
        team=cycle.team,
        filename=name,
        content_type=content_type,
        content=content,
        size=len(content),
        uploaded_by=actor,
    )
    attachment.full_clean()
    attachment.save()
    return attachment


@transaction.atomic
def pdsa_attachment_delete(*, actor: Any, attachment: PDSAAttachment) -> None:
    access.require(actor, access.Action.ENTER_DATA, attachment.team)
    attachment.delete()


# --- The conversation after a review (issue 21) ---


@transaction.atomic
def pdsa_review_reply(*, actor: Any, cycle: PDSACycle, text: str) -> PDSAReviewMessage:
    """Add to the conversation on the cycle's latest feedback: the team replies, an advisor (or admin) answers;
    the other side is told in the app, after commit."""
    team = cycle.team
    from_team = access.can(actor, access.Action.ENTER_DATA, team)
    if not from_team and not access.can(actor, access.Action.REVIEW, team):
        raise PermissionDenied(
            "Only the team and its improvement advisors take part in the review conversation."
        )
    review = (
        PDSAReview.objects.visible_to(actor)
        .filter(cycle=cycle)
        .exclude(reviewed_at=None)
        .order_by("-reviewed_at")
        .first()
    )
    if review is None:
        raise ValidationError({"text": "Reply once the advisor has given feedback."})
    if not text.strip():
        raise ValidationError({"text": "Write your message."})
    message = PDSAReviewMessage(
        review=review, team=team, author=actor, from_team=from_team, text=text.strip()
    )
    message.full_clean()
    message.save()
    transaction.on_commit(partial(_trusted, pdsa_review_reply_notify, message_id=message.id), robust=True)
    return message


def pdsa_review_reply_notify(*, message_id: int) -> bool:
    """Tell the other side of the conversation about a message, once (keyed by the message); whether anyone
    was told."""
    message = PDSAReviewMessage.objects.select_related("review__cycle", "team__lia", "author").get(
        id=message_id
    )
    cycle, team = message.review.cycle, message.team
    if message.from_team:
        recipients = team_people(team=team, roles=[Role.ADVISOR]) or team_people(
            team=team, roles=[Role.COLLABORATIVE_ADMIN]
        )
        text = f"{team.lia.name} replied about “{cycle.title}”."
    else:
        recipients = team_people(team=team, roles=[Role.TEAM_MEMBER, Role.CQI_LEAD])
        text = f"Your improvement advisor answered about “{cycle.title}”."
    told = notification_send_many(
        recipients=[r for r in recipients if r.pk != message.author_id],
        kind="feedback",
        text=text,
        url=reverse("pdsa-cycle-detail", kwargs={"public_id": cycle.public_id}) + "#conversation",
        key=f"pdsa-message:{message.public_id}",
    )
    return told > 0
