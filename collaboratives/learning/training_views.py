"""Pages of the training plan: the plan (topics and requirements), coverage, and a team's staff roster."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from collaboratives import access
from collaboratives import selectors as collab_selectors
from collaboratives.forms import add_service_errors
from collaboratives.learning import training
from collaboratives.learning.forms import CompletionForm, LeaveForm, RequirementForm, StaffForm, TopicForm
from collaboratives.learning.signals import TRAINING_CODE
from collaboratives.learning.views import error_summary
from collaboratives.models import Event, StaffMember, StaffRole, TrainingCompletion, TrainingTopic


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
