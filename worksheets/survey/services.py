"""Writes of the staff well-being pulse survey: the instrument, a team's months, links, answers, closing.

Anonymity is a property of what these functions store (docs/survey.md): a link is kept as its token's
hash beside its window and a used flag; a response as its answers, an optional role and the day; a
comment apart from both. Email addresses pass through `survey_links_email` and are never written.
"""

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from collaboratives import access
from collaboratives.models import Collaborative, Membership, Notification, Role, Team
from collaboratives.notifications import notification_send_many
from measures.models import Measure
from measures.services import ObservationInput, observations_record
from worksheets.models import (
    SURVEY_MIN_RESPONSES_FLOOR,
    SurveyComment,
    SurveyInstrument,
    SurveyItem,
    SurveyLink,
    SurveyResponse,
    SurveySchedule,
    SurveyWindow,
)
from worksheets.survey import dates
from worksheets.survey import instrument as defaults
from worksheets.survey.dates import latest_close_day
from worksheets.survey.tokens import token_hash, token_new

logger = logging.getLogger(__name__)

MAX_LINKS_PER_REQUEST = 200
MAX_COMMENT_LENGTH = 2000
SOURCE_NOTE = "From the staff well-being survey: {top} of {n} responses counted ({staff} staff asked)."


class LinkAlreadyUsed(Exception):
    """The link was answered before: nothing more is saved."""


class LinkNotUsable(Exception):
    """An altered or unknown link, or one whose month is not open: the respondent is told nothing more."""


def _trusted(model: Any, reason: str) -> Any:
    return model.objects.unscoped(reason=reason)


# --- the instrument (collaborative admins) ---


@transaction.atomic
def survey_instrument_ensure(*, collaborative: Collaborative) -> SurveyInstrument:
    """The collaborative's instrument, created with the default items the first time it is asked for.

    Trusted (callers have checked the viewer sees the collaborative); each default item feeds the
    collaborative's proportion measure of the same code, if it has one.
    """
    existing = _trusted(SurveyInstrument, "the caller loaded the collaborative through visible_to")
    instrument = existing.filter(collaborative=collaborative).first()
    if instrument is not None:
        return instrument
    instrument = SurveyInstrument.objects.create(collaborative=collaborative)
    measures = {
        m.code: m
        for m in _trusted(Measure, "the collaborative's own measures").filter(
            collaborative=collaborative, kind=Measure.Kind.PROPORTION
        )
    }
    SurveyItem.objects.bulk_create(
        SurveyItem(
            instrument=instrument,
            collaborative=collaborative,
            order=order,
            code=item.code,
            text_en=item.text_en,
            text_es=item.text_es,
            choices=list(item.choices),
            top_box=list(item.top_box),
            measure=measures.get(item.measure_code),
        )
        for order, item in enumerate(defaults.DEFAULT_ITEMS, start=1)
    )
    return instrument


@transaction.atomic
def survey_instrument_update(
    *, actor: Any, instrument: SurveyInstrument, min_responses: int
) -> SurveyInstrument:
    access.require(actor, access.Action.ADMINISTER, instrument.collaborative)
    instrument.min_responses = min_responses
    instrument.full_clean()
    instrument.save()
    return instrument


@transaction.atomic
def survey_item_save(
    *,
    actor: Any,
    instrument: SurveyInstrument,
    item: SurveyItem | None,
    code: str,
    text_en: str,
    text_es: str,
    choices_text: str,
    top_box: list[str],
    measure: Measure | None,
    order: int,
) -> SurveyItem:
    """Add an item (`item` None) or change one; windows already opened keep the wording they were opened with."""
    collaborative = instrument.collaborative
    access.require(actor, access.Action.ADMINISTER, collaborative)
    choices, choice_errors = defaults.choices_parse(choices_text)
    errors: dict[str, str] = {}
    if choice_errors:
        errors["choices"] = " ".join(choice_errors)
    elif top_errors := defaults.top_box_errors(choices, top_box):
        errors["top_box"] = " ".join(top_errors)
    if measure is not None and (
        measure.collaborative_id != collaborative.id or measure.kind != Measure.Kind.PROPORTION
    ):
        errors["measure"] = "Choose a proportion measure of this collaborative."
    if errors:
        raise ValidationError(errors)
    item = item or SurveyItem(instrument=instrument, collaborative=collaborative)
    item.code, item.text_en, item.text_es, item.order = code, text_en, text_es, order
    item.choices, item.top_box, item.measure = choices, top_box, measure
    item.full_clean()
    item.save()
    return item


# --- a team's month (the CQI lead) ---


def _snapshot(instrument: SurveyInstrument) -> list[dict[str, Any]]:
    return [
        {
            "code": item.code,
            "text_en": item.text_en,
            "text_es": item.text_es,
            "choices": item.choices,
            "top_box": item.top_box,
            "measure_id": item.measure_id,
        }
        for item in instrument.items.all()
    ]


def _window_dates_check(month: dt.date, opens_on: dt.date, closes_on: dt.date, team: Team) -> None:
    errors: dict[str, str] = {}
    collaborative = team.collaborative
    if not collaborative.start_date.replace(day=1) <= month <= collaborative.end_date:
        errors["month"] = (
            f"{month:%B %Y} is outside the collaborative "
            f"({collaborative.start_date:%B %Y} to {collaborative.end_date:%B %Y})."
        )
    if opens_on < month:
        errors["opens_on"] = f"A survey of {month:%B %Y} opens on {month:%B} 1 or later."
    if closes_on < opens_on:
        errors["closes_on"] = "The survey must close on or after the day it opens."
    elif closes_on > latest_close_day(month):
        errors["closes_on"] = (
            f"A survey of {month:%B %Y} closes by {latest_close_day(month):%B %-d, %Y}, the end of the next month."
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def survey_window_open(
    *,
    actor: Any,
    team: Team,
    month: dt.date,
    opens_on: dt.date,
    closes_on: dt.date,
    staff_count: int,
) -> SurveyWindow:
    """Open (or schedule, when `opens_on` is later) the team's survey of `month`, with today's instrument."""
    access.require(actor, access.Action.RUN_SURVEY, team)
    _window_dates_check(month, opens_on, closes_on, team)
    instrument = survey_instrument_ensure(collaborative=team.collaborative)
    window = SurveyWindow(
        team=team,
        month=month,
        opens_on=opens_on,
        closes_on=closes_on,
        staff_count=staff_count,
        items=_snapshot(instrument),
        min_responses=instrument.min_responses,
    )
    window.full_clean()
    window.save()
    return window


@transaction.atomic
def survey_window_update(
    *, actor: Any, window: SurveyWindow, staff_count: int, closes_on: dt.date
) -> SurveyWindow:
    access.require(actor, access.Action.RUN_SURVEY, window.team)
    if window.status != SurveyWindow.Status.OPEN:
        raise ValidationError({"closes_on": "This survey month is closed."})
    _window_dates_check(window.month, window.opens_on, closes_on, window.team)
    window.staff_count, window.closes_on = staff_count, closes_on
    window.full_clean()
    window.save()
    return window


# --- opening on a schedule ---


@transaction.atomic
def survey_schedule_set(
    *, actor: Any, team: Team, day: int, days_open: int, staff_count: int, today: dt.date
) -> tuple[SurveySchedule, SurveyWindow | None]:
    """Have the team's survey open each month on `day` for `days_open` days; replaces its schedule.

    If a month's scheduled days include `today` and that month has no survey yet, it opens now (as the
    nightly run would), so the lead can hand out its links at once; returns that window, or None.
    """
    access.require(actor, access.Action.RUN_SURVEY, team)
    schedule = _trusted(SurveySchedule, "the team's own schedule").filter(team=team).first()
    schedule = schedule or SurveySchedule(team=team)
    schedule.day, schedule.days_open, schedule.staff_count = day, days_open, staff_count
    schedule.full_clean()
    schedule.save()
    return schedule, _open_scheduled(schedule, actor, today)


@transaction.atomic
def survey_schedule_stop(*, actor: Any, team: Team) -> bool:
    """Stop opening the team's survey on a schedule (months already open stay open). False if none."""
    access.require(actor, access.Action.RUN_SURVEY, team)
    deleted, _ = _trusted(SurveySchedule, "the team's own schedule").filter(team=team).delete()
    return bool(deleted)


def _open_scheduled(schedule: SurveySchedule, actor: Any, today: dt.date) -> SurveyWindow | None:
    """Open the month the schedule has due today, unless that month already has a survey (opened by
    hand, on schedule, or since closed). Tells the team's CQI leads, with a link to the links sheet."""
    team = schedule.team
    month = dates.scheduled_month_due(today, schedule.day, schedule.days_open)
    windows = _trusted(SurveyWindow, "whether the team's month already has a survey")
    if month is None or windows.filter(team=team, month=month).exists():
        return None
    opens_on, closes_on = dates.scheduled_days(month, schedule.day, schedule.days_open)
    try:
        with transaction.atomic():
            window = survey_window_open(
                actor=actor,
                team=team,
                month=month,
                opens_on=opens_on,
                closes_on=closes_on,
                staff_count=schedule.staff_count,
            )
    except IntegrityError:  # opened by hand at the same moment
        return None
    except ValidationError as error:  # e.g. the month is outside the collaborative's dates
        logger.info("scheduled survey of %s %s not opened: %s", team, month, "; ".join(error.messages))
        return None
    notification_send_many(
        recipients=_team_leads(team),
        kind=Notification.Kind.SURVEY,
        text=(
            f"The staff well-being survey of {month:%B %Y} opened on schedule ({opens_on:%-d %b} to "
            f"{closes_on:%-d %b}). Hand out its links."
        ),
        url=reverse("survey-window-links", args=[window.public_id]),
        key=f"survey-opened:{window.public_id}",
    )
    return window


def survey_windows_open_scheduled(*, today: dt.date) -> list[int]:
    """Open every team's scheduled survey month due today that has none yet; safe to repeat.

    Opened in the name of the team's CQI lead (who set the schedule); a team with no active CQI lead
    is skipped, since no one could hand out the links.
    """
    opened = []
    schedules = _trusted(SurveySchedule, "the scheduled opening looks at every team")
    for schedule in schedules.select_related("team__collaborative", "team__lia").order_by("id"):
        lead = _team_lead(schedule.team)
        if lead is None:
            logger.info("scheduled survey of %s not opened: the team has no active CQI lead", schedule.team)
            continue
        with transaction.atomic():
            window = _open_scheduled(schedule, lead, today)
        if window is not None:
            opened.append(window.id)
    return opened


def _links_create(window: SurveyWindow, count: int) -> list[str]:
    tokens = [token_new() for _ in range(count)]
    SurveyLink.objects.bulk_create(
        SurveyLink(window=window, team_id=window.team_id, token_hash=token_hash(t)) for t in tokens
    )
    return tokens


def _links_check(actor: Any, window: SurveyWindow, count: int) -> None:
    access.require(actor, access.Action.RUN_SURVEY, window.team)
    if window.status != SurveyWindow.Status.OPEN:
        raise ValidationError({"count": "This survey month is closed: its links can no longer be answered."})
    if not 1 <= count <= MAX_LINKS_PER_REQUEST:
        raise ValidationError({"count": f"Ask for 1 to {MAX_LINKS_PER_REQUEST} links at a time."})


@transaction.atomic
def survey_links_issue(*, actor: Any, window: SurveyWindow, count: int) -> list[str]:
    """Make `count` single-use links and return their tokens: they exist only in this return value."""
    _links_check(actor, window, count)
    return _links_create(window, count)


def survey_link_url(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("survey-respond", args=[token])


def addresses_parse(text: str) -> list[str]:
    """Email addresses separated by commas, semicolons, spaces or lines; a bad one is a field error."""
    raw = [a.strip() for a in text.replace(",", " ").replace(";", " ").split()]
    addresses = list(dict.fromkeys(a for a in raw if a))
    bad = []
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            bad.append(address)
    if bad:
        raise ValidationError({"addresses": f"Not an email address: {', '.join(bad[:5])}."})
    if not addresses:
        raise ValidationError({"addresses": "Enter at least one email address."})
    return addresses


def survey_links_email(*, actor: Any, window: SurveyWindow, addresses: Iterable[str]) -> int:
    """Send each address its own single-use link, now, and forget the address.

    Sent in this request, not by a Celery task: a task's arguments would sit in the broker, and the
    addresses must not be kept anywhere. The links are saved only once every message has gone out.
    """
    addresses = list(addresses)
    _links_check(actor, window, len(addresses))
    team = window.team
    with transaction.atomic():
        tokens = _links_create(window, len(addresses))
        messages = []
        for address, token in zip(addresses, tokens, strict=True):
            body = render_to_string(
                "worksheets/survey/email_link.txt",
                {"team": team, "window": window, "url": survey_link_url(token)},
            )
            subject = f"Staff well-being survey, {window.month:%B %Y} / Encuesta de bienestar del personal"
            messages.append(EmailMessage(subject, body, None, [address]))
        get_connection().send_messages(messages)
    return len(tokens)


# --- answering (anonymous) ---


def survey_link_window(*, token: str, today: dt.date) -> SurveyWindow:
    """The open window a link belongs to. Raises LinkAlreadyUsed or LinkNotUsable."""
    link = (
        _trusted(SurveyLink, "the link's token is the respondent's credential")
        .select_related("window__team__lia")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if link is None or not _is_open(link.window, today):
        raise LinkNotUsable
    if link.used:
        raise LinkAlreadyUsed
    return link.window


def _is_open(window: SurveyWindow, today: dt.date) -> bool:
    return window.status == SurveyWindow.Status.OPEN and window.opens_on <= today <= window.closes_on


def answers_clean(items: list[dict[str, Any]], answers: dict[str, str], role: str) -> dict[str, str]:
    """Every item answered with one of its values, and a known role (or none); errors name the item."""
    errors: dict[str, str] = {}
    cleaned: dict[str, str] = {}
    for item in items:
        value = answers.get(item["code"], "")
        if value not in {c["value"] for c in item["choices"]}:
            errors[item["code"]] = translation.gettext("Choose one answer.")
        else:
            cleaned[item["code"]] = value
    if role not in SurveyResponse.Role.values:
        errors["role"] = translation.gettext("Choose one answer.")
    if errors:
        raise ValidationError(errors)
    return cleaned


def survey_response_submit(
    *,
    token: str,
    answers: dict[str, str],
    role: str,
    comment: str,
    today: dt.date,
    window: SurveyWindow | None = None,
) -> None:
    """Save one response from a link, once: the link is marked used and the response kept without it.

    The conditional UPDATE claims the link, so a double submit saves one response and the second
    raises LinkAlreadyUsed. Nothing is saved when the answers are incomplete. `window` is the one the
    caller just read with `survey_link_window` for this token (saves reading it again); the claim
    checks the link belongs to it.
    """
    window = window or survey_link_window(token=token, today=today)
    cleaned = answers_clean(window.items, answers, role)
    comment = comment.strip()
    if len(comment) > MAX_COMMENT_LENGTH:
        raise ValidationError(
            {
                "comment": translation.gettext("Keep the comment under %(n)d characters.")
                % {"n": MAX_COMMENT_LENGTH}
            }
        )
    with transaction.atomic():
        claimed = (
            _trusted(SurveyLink, "the link's token is the respondent's credential")
            .filter(
                token_hash=token_hash(token),
                window_id=window.id,
                used=False,
                window__status=SurveyWindow.Status.OPEN,
            )
            .update(used=True)
        )
        if not claimed:  # answered meanwhile, or the month closed, or not this window's link
            links = _trusted(SurveyLink, "the link's token is the respondent's credential")
            if links.filter(token_hash=token_hash(token), window_id=window.id, used=True).exists():
                raise LinkAlreadyUsed
            raise LinkNotUsable
        SurveyResponse.objects.create(
            window=window, team_id=window.team_id, role=role, answers=cleaned, submitted_on=today
        )
        if comment:
            SurveyComment.objects.create(window=window, team_id=window.team_id, text=comment)


# --- closing a month ---


def _team_leads(team: Team) -> list[Any]:
    """The team's active CQI leads, longest-standing first: told of its survey, and acting for it."""
    return [
        m.user
        for m in _trusted(Membership, "the team's CQI leads run its survey")
        .select_related("user")
        .filter(role=Role.CQI_LEAD, lia_id=team.lia_id, user__is_active=True)
        .order_by("id")
    ]


def _team_lead(team: Team) -> Any:
    return next(iter(_team_leads(team)), None)


@transaction.atomic
def survey_window_close(*, window_id: int, today: dt.date, actor: Any = None) -> SurveyWindow | None:
    """Close a window once and turn its answers into the month's observations; None if already closed.

    With `actor` (the CQI lead closing it by hand) the actor must run the team's survey; the scheduled
    close records in the name of the team's CQI lead. Each item's top-box share becomes an observation
    of its measure through the same service as hand entry, its note saying it came from the survey,
    only when the month has at least `min_responses` responses: a smaller count is never shown anywhere.
    """
    windows = _trusted(SurveyWindow, "closing is trusted; a hand close checks the actor below")
    window = windows.select_related("team__collaborative", "team__lia").filter(id=window_id).first()
    if window is None:
        return None
    if actor is not None:
        access.require(actor, access.Action.RUN_SURVEY, window.team)
    if not windows.filter(id=window.id, status=SurveyWindow.Status.OPEN).update(
        status=SurveyWindow.Status.CLOSED, closed_on=today
    ):
        return None  # someone else closed it first
    window.refresh_from_db()
    window.outcome = _record(window, actor or _team_lead(window.team))
    window.save(update_fields=["outcome"])
    return window


def _record(window: SurveyWindow, recorder: Any) -> str:
    answers = list(
        _trusted(SurveyResponse, "the window being closed")
        .filter(window=window)
        .values_list("answers", flat=True)
    )
    n = len(answers)
    if n < max(window.min_responses, SURVEY_MIN_RESPONSES_FLOOR):
        return (
            f"{n} responses, fewer than {window.min_responses}: no results are shown and no observation "
            "is recorded, so no one's answers can be worked out."
        )
    mapped = [item for item in window.items if item.get("measure_id")]
    if not mapped:
        return f"{n} responses. No question feeds a measure, so no observation was recorded."
    if recorder is None:
        return f"{n} responses. Not recorded: the team has no active CQI lead to record them in the name of."
    measures = {
        m.id: m
        for m in _trusted(Measure, "the items' own measures").filter(id__in=[i["measure_id"] for i in mapped])
    }
    cells = []
    for item in mapped:
        top = sum(1 for a in answers if a.get(item["code"]) in item["top_box"])
        note = SOURCE_NOTE.format(top=top, n=n, staff=window.staff_count)
        cells.append(
            ObservationInput(measure=measures[item["measure_id"]], numerator=top, denominator=n, note=note)
        )
    try:
        observations_record(actor=recorder, team=window.team, month=window.month, cells=cells)
    except (ValidationError, PermissionDenied) as error:
        detail = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        logger.warning("survey window %s not recorded: %s", window.id, detail)
        return f"{n} responses. Not recorded: {detail}"
    names = ", ".join(c.measure.code for c in cells)
    return f"{n} responses, recorded as {window.month:%B %Y}'s observations of {names}."


def survey_windows_due(*, today: dt.date) -> list[int]:
    """Ids of open windows whose last day has passed."""
    return list(
        _trusted(SurveyWindow, "the scheduled close looks at every team")
        .filter(status=SurveyWindow.Status.OPEN, closes_on__lt=today)
        .values_list("id", flat=True)
    )


def survey_windows_close_due(*, today: dt.date) -> list[int]:
    """Close every open window whose last day has passed, each in its own transaction; safe to repeat."""
    closed = []
    for window_id in survey_windows_due(today=today):
        if survey_window_close(window_id=window_id, today=today) is not None:
            closed.append(window_id)
    return closed
