import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from collaboratives import access, months
from collaboratives import selectors as collab_selectors
from collaboratives.forms import add_service_errors, error_summary
from collaboratives.learning import ical, recurrence, selectors, services, training
from collaboratives.learning.forms import (
    AnnouncementForm,
    AttendanceForm,
    CheckInForm,
    CompletionForm,
    EventForm,
    LeaveForm,
    LibrarySearchForm,
    RequirementForm,
    ResourceForm,
    StaffForm,
    TopicForm,
)
from collaboratives.learning.signals import ENGAGEMENT_CODE, TRAINING_CODE
from collaboratives.models import (
    Awardee,
    ChangeIdea,
    Collaborative,
    Driver,
    Event,
    EventAttendance,
    Resource,
    Role,
    StaffMember,
    StaffRole,
    TrainingCompletion,
    TrainingTopic,
)
from collaboratives.uploads import UPLOAD_MAX_BYTES


def _month(request: HttpRequest) -> dt.date:
    try:
        return months.parse(request.GET.get("month", ""))
    except ValueError:
        return months.first_of(timezone.localdate())


@login_required
@require_GET
def calendar(request: HttpRequest) -> HttpResponse:
    month = _month(request)
    previous, following = months.add(month, -1), months.add(month, 1)
    return render(
        request,
        "collaboratives/learning/calendar.html",
        {
            "month": month,
            "previous": previous,
            "following": following,
            "weeks": selectors.month_weeks(user=request.user, month=month),
            "upcoming": selectors.upcoming_event_list(user=request.user, now=timezone.now(), limit=10),
            "organised": [
                c
                for c in collab_selectors.collaborative_list(user=request.user)
                if access.can(request.user, access.Action.MANAGE_CALENDAR, c)
            ],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def event_create(request: HttpRequest, public_id: str) -> HttpResponse:
    collaborative = get_object_or_404(
        collab_selectors.collaborative_list(user=request.user), public_id=public_id
    )
    led = access.ids_with_role(request.user, Role.AWARDEE_LEAD)
    may_schedule_all = access.can(request.user, access.Action.MANAGE_CALENDAR, collaborative)
    awardees = (
        Awardee.objects.visible_to(request.user).filter(lias__teams__collaborative=collaborative).distinct()
    )
    if not may_schedule_all:
        awardees = awardees.filter(id__in=led)
    if not may_schedule_all and not awardees.exists():
        raise PermissionDenied("Only the collaborative's admins or an awardee lead may schedule events.")
    form = EventForm(
        request.POST if request.method == "POST" else None,
        awardees=awardees,
        resources=Resource.objects.visible_to(request.user)
        .filter(collaborative=collaborative)
        .defer("content"),
        topics=TrainingTopic.objects.visible_to(request.user).filter(collaborative=collaborative),
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                events = services.event_schedule(
                    actor=request.user,
                    collaborative=collaborative,
                    **{k: v for k, v in data.items() if k not in ("repeat",)},
                    repeat=data["repeat"] or recurrence.Repeat.NONE,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                plural = f"{len(events)} events" if len(events) > 1 else "The event"
                messages.success(request, f"{plural} scheduled: {events[0].title}.")
                return redirect("event-detail", public_id=events[0].public_id)
    return render(
        request,
        "collaboratives/learning/event_form.html",
        {"collaborative": collaborative, "form": form, "error_summary": error_summary(form)},
        status=status,
    )


def _event_page(
    request: HttpRequest, event: Event, attendance_form: AttendanceForm | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    series = event.series or event
    invited = selectors.event_invited_teams(event)
    organiser = access.may_organise_event(user, collaborative=event.collaborative, awardee=event.awardee)
    attended = EventAttendance.objects.visible_to(user).filter(event=event).select_related("team__lia")
    attended_ids = {a.team_id for a in attended}
    if organiser and attendance_form is None:
        attendance_form = AttendanceForm(
            invited=invited, initial={"teams": [t for t in invited if t.id in attended_ids]}
        )
    engagement = event.collaborative.measures.filter(code=ENGAGEMENT_CODE).first()
    return render(
        request,
        "collaboratives/learning/event_detail.html",
        {
            "event": event,
            "series": series if series.recurrence else None,
            "series_words": recurrence.describe_rrule(series.recurrence, selectors.local_start(series).date())
            if series.recurrence
            else "",
            "materials": event.materials.defer("content"),
            "attendance_form": attendance_form if organiser else None,
            "error_summary": error_summary(attendance_form) if attendance_form is not None else [],
            "attended": attended,
            "check_in_teams": [
                (t, t.id in attended_ids) for t in invited if access.can(user, access.Action.CHECK_IN, t)
            ],
            "engagement": engagement,
        },
        status=status,
    )


@login_required
@require_GET
def event_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    return _event_page(
        request, get_object_or_404(selectors.event_list(user=request.user), public_id=public_id)
    )


@login_required
@require_POST
def event_attendance(request: HttpRequest, public_id: str) -> HttpResponse:
    """The organiser's register: which of the invited teams attended."""
    event = get_object_or_404(selectors.event_list(user=request.user), public_id=public_id)
    access.require_organiser(request.user, collaborative=event.collaborative, awardee=event.awardee)
    form = AttendanceForm(request.POST, invited=selectors.event_invited_teams(event))
    if form.is_valid():
        try:
            rows = services.event_attendance_record(
                actor=request.user, event=event, teams=form.cleaned_data["teams"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, f"Attendance recorded: {len(rows)} team{'s' if len(rows) != 1 else ''}."
            )
            return redirect("event-detail", public_id=event.public_id)
    return _event_page(request, event, attendance_form=form, status=400)


@login_required
@require_POST
def event_check_in(request: HttpRequest, public_id: str) -> HttpResponse:
    """A team's CQI lead checks the team in."""
    event = get_object_or_404(selectors.event_list(user=request.user), public_id=public_id)
    form = CheckInForm(request.POST)
    team = None
    if form.is_valid():
        team = (
            collab_selectors.team_list(user=request.user).filter(public_id=form.cleaned_data["team"]).first()
        )
    if team is None:
        raise Http404("No such team.")
    try:
        services.event_check_in(actor=request.user, event=event, team=team, now=timezone.now())
    except ValidationError as exc:
        for errors in exc.message_dict.values():
            for error in errors:
                messages.error(request, error)
    else:
        messages.success(request, f"{team.lia.name} is checked in.")
    return redirect("event-detail", public_id=event.public_id)


@login_required
@require_http_methods(["GET", "POST"])
def calendar_feed(request: HttpRequest) -> HttpResponse:
    """The person's subscription URL: create (or replace) it, or revoke it. The URL is shown once."""
    token = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            services.calendar_feed_revoke(actor=request.user)
            messages.success(request, "Your calendar feed address no longer works.")
            return redirect("calendar-feed")
        _, token = services.calendar_feed_create(actor=request.user)
    feed = services.CalendarFeed.objects.visible_to(request.user).filter(revoked_at=None).first()
    response = render(
        request,
        "collaboratives/learning/calendar_feed.html",
        {
            "feed": feed,
            "feed_url": f"{ical.site_url()}/calendar/feed/{token}.ics" if token else None,
        },
    )
    add_never_cache_headers(response)  # the page may show a secret address
    return response


@require_GET
def calendar_feed_ics(request: HttpRequest, token: str) -> HttpResponse:
    """The feed itself: the secret token in the address is the credential (calendar apps send no login)."""
    feed = services.calendar_feed_for_token(token)
    if feed is None:
        raise Http404("No such calendar feed.")
    now = timezone.now()
    events = selectors.event_list(user=feed.user).filter(ends_at__gte=now - dt.timedelta(days=90))
    response = HttpResponse(
        ical.feed_ical(events, base_url=ical.site_url(), now=now), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="coiin.ics"'
    add_never_cache_headers(response)
    return response


# --- The resource library ---


def _kdd_choices(user: object, collaborative: Collaborative) -> dict[str, object]:
    return {
        "drivers": Driver.objects.visible_to(user).filter(collaborative=collaborative),
        "change_ideas": ChangeIdea.objects.visible_to(user).filter(collaborative=collaborative),
    }


@login_required
@require_GET
def resource_list(request: HttpRequest, public_id: str) -> HttpResponse:
    collaborative = get_object_or_404(
        collab_selectors.collaborative_list(user=request.user), public_id=public_id
    )
    form = LibrarySearchForm(request.GET, **_kdd_choices(request.user, collaborative))
    valid = form.is_valid()
    filters = form.cleaned_data if valid else {}
    resources = selectors.resource_list(
        user=request.user,
        collaborative=collaborative,
        query=filters.get("q", ""),
        driver=filters.get("driver"),
        change_idea=filters.get("idea"),
    )
    return render(
        request,
        "collaboratives/learning/resource_list.html",
        {
            "collaborative": collaborative,
            "form": form,
            "resources": resources if valid else [],
            "filtered": valid and any(filters.values()),
            "error_summary": error_summary(form),
            "can_add": access.can(request.user, access.Action.MANAGE_LIBRARY, collaborative),
        },
        status=200 if valid else 400,
    )


@login_required
@require_http_methods(["GET", "POST"])
def resource_create(request: HttpRequest, public_id: str) -> HttpResponse:
    collaborative = get_object_or_404(
        collab_selectors.collaborative_list(user=request.user), public_id=public_id
    )
    access.require(request.user, access.Action.MANAGE_LIBRARY, collaborative)
    form = ResourceForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        **_kdd_choices(request.user, collaborative),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data.pop("file")
        try:
            resource = services.resource_add(
                actor=request.user,
                collaborative=collaborative,
                filename=upload.name if upload else "",
                # One byte over the limit is enough to refuse the file without reading all of it.
                content=upload.read(UPLOAD_MAX_BYTES + 1) if upload else b"",
                **data,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Added to the library: {resource.title}.")
            return redirect("resource-list", public_id=collaborative.public_id)
    return render(
        request,
        "collaboratives/learning/resource_form.html",
        {"collaborative": collaborative, "form": form, "error_summary": error_summary(form)},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def resource_download(request: HttpRequest, public_id: str) -> HttpResponse:
    resource = get_object_or_404(
        Resource.objects.visible_to(request.user).exclude(filename=""), public_id=public_id
    )
    response = HttpResponse(bytes(resource.content), content_type=resource.content_type)
    response["Content-Disposition"] = content_disposition_header(True, resource.filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Announcements ---


@login_required
@require_http_methods(["GET", "POST"])
def announcement_list(request: HttpRequest, public_id: str) -> HttpResponse:
    """The collaborative's announcements; its admins post new ones here."""
    collaborative = get_object_or_404(
        collab_selectors.collaborative_list(user=request.user), public_id=public_id
    )
    can_announce = access.can(request.user, access.Action.ANNOUNCE, collaborative)
    form = AnnouncementForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        access.require(request.user, access.Action.ANNOUNCE, collaborative)
        if form.is_valid():
            try:
                services.announcement_send(
                    actor=request.user, collaborative=collaborative, **form.cleaned_data
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Announcement sent to every team.")
                return redirect("announcement-list", public_id=collaborative.public_id)
    return render(
        request,
        "collaboratives/learning/announcement_list.html",
        {
            "collaborative": collaborative,
            "announcements": selectors.announcement_list(user=request.user, collaborative=collaborative),
            "form": form if can_announce else None,
            "error_summary": error_summary(form),
        },
        status=400 if request.method == "POST" else 200,
    )


# --- The training plan: the plan, coverage, and a team's staff roster ---


def _try(form: Form, write: Any) -> bool:
    """Run a service call for a valid form; its ValidationError shows on the form."""
    if not form.is_valid():
        return False
    try:
        write()
    except ValidationError as exc:
        add_service_errors(form, exc)
        return False
    return True


@login_required
@require_http_methods(["GET", "POST"])
def training_plan(request: HttpRequest, public_id: str) -> HttpResponse:
    """The collaborative's training topics and which staff roles must complete them; its admins edit it."""
    user = request.user
    collaborative = get_object_or_404(collab_selectors.collaborative_list(user=user), public_id=public_id)
    topics_qs = TrainingTopic.objects.visible_to(user).filter(collaborative=collaborative)
    data = request.POST if request.method == "POST" else None
    action = request.POST.get("action") if data else None
    topic_form = TopicForm(data if action == "topic" else None)
    requirement_form = RequirementForm(data if action == "requirement" else None, topics=topics_qs)
    if data is not None:
        access.require(user, access.Action.DEFINE_TRAINING, collaborative)
        done = False
        if action == "seed":
            added = training.training_topics_seed(actor=user, collaborative=collaborative)
            messages.success(request, f"{len(added)} topics added from the standard list.")
            done = True
        elif action == "topic":
            done = _try(
                topic_form,
                lambda: training.training_topic_add(
                    actor=user, collaborative=collaborative, **topic_form.cleaned_data
                ),
            )
        elif action == "requirement":
            done = _try(
                requirement_form,
                lambda: training.training_requirement_set(actor=user, **requirement_form.cleaned_data),
            )
        if done:
            if action != "seed":
                messages.success(request, "Training plan saved.")
            return redirect("training-plan", public_id=collaborative.public_id)
    topics, requirements = training.training_plan(user=user, collaborative=collaborative)
    by_topic = {t.id: {r.role: r for r in requirements if r.topic_id == t.id} for t in topics}
    return render(
        request,
        "collaboratives/learning/training_plan.html",
        {
            "collaborative": collaborative,
            "roles": StaffRole.choices,
            "rows": [(t, [by_topic[t.id].get(role) for role, _ in StaffRole.choices]) for t in topics],
            "can_define": access.can(user, access.Action.DEFINE_TRAINING, collaborative),
            "topic_form": topic_form,
            "requirement_form": requirement_form,
            "error_summary": error_summary(topic_form) + error_summary(requirement_form),
        },
        status=400 if data is not None else 200,
    )


@login_required
@require_GET
def training_coverage(request: HttpRequest, public_id: str) -> HttpResponse:
    """Per team the person sees × required topic: share of staff trained and current, what expires soon."""
    user = request.user
    collaborative = get_object_or_404(collab_selectors.collaborative_list(user=user), public_id=public_id)
    teams = list(
        collab_selectors.team_list(user=user, collaborative=collaborative).filter(withdrawn_on__isnull=True)
    )
    today = timezone.localdate()
    topics, rows = training.training_coverage(user=user, collaborative=collaborative, teams=teams, on=today)
    return render(
        request,
        "collaboratives/learning/training_coverage.html",
        {
            "collaborative": collaborative,
            "topics": topics,
            "rows": rows,
            "today": today,
            "soon_days": training.EXPIRING_SOON_DAYS,
            "measure": collaborative.measures.filter(code=TRAINING_CODE).first(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_roster(request: HttpRequest, public_id: str) -> HttpResponse:
    """A team's staff and their training; its CQI lead adds staff, marks leavers and records completions."""
    user = request.user
    team = get_object_or_404(collab_selectors.team_list(user=user), public_id=public_id)
    today = timezone.localdate()
    staff_qs = StaffMember.objects.visible_to(user).filter(team=team)
    active = staff_qs.filter(left_on__isnull=True)
    topics_qs = TrainingTopic.objects.visible_to(user).filter(collaborative=team.collaborative_id)
    events = Event.objects.visible_to(user).filter(
        collaborative=team.collaborative_id, training_topic__isnull=False, starts_at__lte=timezone.now()
    )
    data = request.POST if request.method == "POST" else None
    action = request.POST.get("action") if data else None
    staff_form = StaffForm(data if action == "staff" else None)
    leave_form = LeaveForm(data if action == "leave" else None)
    completion_form = CompletionForm(
        data if action == "complete" else None, topics=topics_qs, events=events, staff=active
    )
    if data is not None:
        access.require(user, access.Action.KEEP_STAFF_ROSTER, team)
        done = False
        if action == "staff":
            done = _try(
                staff_form,
                lambda: training.staff_member_add(actor=user, team=team, **staff_form.cleaned_data),
            )
        elif action == "leave":
            if (
                leave_form.is_valid()
                and not staff_qs.filter(public_id=leave_form.cleaned_data["member"]).exists()
            ):
                raise Http404("No such person on the roster.")
            done = _try(
                leave_form,
                lambda: training.staff_member_leave(
                    actor=user,
                    member=staff_qs.get(public_id=leave_form.cleaned_data["member"]),
                    left_on=leave_form.cleaned_data["left_on"],
                ),
            )
        elif action == "complete":
            done = _try(
                completion_form,
                lambda: training.training_completion_record(
                    actor=user, team=team, today=today, **completion_form.cleaned_data
                ),
            )
        if done:
            messages.success(request, "Saved.")
            return redirect("staff-roster", public_id=team.public_id)
    _, requirements = training.training_plan(user=user, collaborative=team.collaborative)
    people = list(staff_qs)
    status = training.staff_status(
        staff=people,
        requirements=requirements,
        completions=list(TrainingCompletion.objects.visible_to(user).filter(team=team)),
        on=today,
    )
    return render(
        request,
        "collaboratives/learning/staff_roster.html",
        {
            "team": team,
            "people": [(p, status[p.id]) for p in people],
            "can_keep": access.can(user, access.Action.KEEP_STAFF_ROSTER, team),
            "staff_form": staff_form,
            "completion_form": completion_form,
            "today": today,
            "error_summary": error_summary(staff_form)
            + error_summary(leave_form)
            + error_summary(completion_form),
        },
        status=400 if data is not None else 200,
    )
