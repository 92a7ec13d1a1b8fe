"""PDSA pages: a team's cycles, the cycle form in teaching order, review, the review queue, the ledger and the
key driver diagram with its per-idea counts."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from collaboratives import access
from collaboratives import selectors as collab_selectors
from collaboratives.forms import add_service_errors, error_summary
from collaboratives.models import ChangeIdea, Team
from collaboratives.uploads import UPLOAD_MAX_BYTES
from measures.models import Measure
from pdsa import search, selectors, services
from pdsa.forms import (
    LABELS,
    NEW_PHASES,
    AttachmentForm,
    LedgerFilter,
    PDSACycleForm,
    PDSAReviewForm,
    ReplyForm,
)
from pdsa.models import PHASES, PDSAAttachment, PDSACycle, PDSAReview


def _team(request: HttpRequest, public_id: str) -> Team:
    return get_object_or_404(collab_selectors.team_list(user=request.user), public_id=public_id)


def _cycle(request: HttpRequest, public_id: str) -> PDSACycle:
    return get_object_or_404(selectors.pdsa_cycle_list(user=request.user), public_id=public_id)


def _cycle_form(request: HttpRequest, team: Team, **kwargs: Any) -> PDSACycleForm:
    return PDSACycleForm(
        request.POST if request.method == "POST" else None,
        change_ideas=ChangeIdea.objects.visible_to(request.user)
        .filter(collaborative=team.collaborative_id)
        .select_related("driver"),
        measures=Measure.objects.visible_to(request.user).filter(collaborative=team.collaborative_id),
        **kwargs,
    )


def _service_call(form: PDSACycleForm | PDSAReviewForm, call: Any) -> Any:
    """Run a service with the form's values; its ValidationError lands on the form. None when it failed."""
    if not form.is_valid():
        return None
    try:
        return call(**form.cleaned_data)
    except ValidationError as exc:
        form.add_service_errors(exc)
        return None


def _form_page(request: HttpRequest, template: str, form: forms.Form, **context: Any) -> HttpResponse:
    return render(
        request,
        template,
        {"form": form, "error_summary": error_summary(form), **context},
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def team_pdsa_list(request: HttpRequest, public_id: str) -> HttpResponse:
    team = _team(request, public_id)
    cycles = selectors.pdsa_cycle_list(user=request.user, team=team).prefetch_related(
        Prefetch("reviews", to_attr="review_list")
    )
    return render(
        request,
        "pdsa/cycle_list.html",
        {
            "team": team,
            "cycles": cycles,
            "can_enter": access.can(request.user, access.Action.ENTER_DATA, team),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def pdsa_cycle_new(request: HttpRequest, public_id: str) -> HttpResponse:
    """Log a new cycle; `?change_idea=` starts from a diagram idea, `?previous=` continues a ramp."""
    team = _team(request, public_id)
    access.require(request.user, access.Action.ENTER_DATA, team)
    previous = None
    if previous_id := request.GET.get("previous"):
        previous = _by_public_id(selectors.pdsa_cycle_list(user=request.user, team=team), previous_id)
    form = _cycle_form(request, team, phases=NEW_PHASES)
    if request.method == "GET":
        idea_id = request.GET.get("change_idea")
        idea = _by_public_id(form.change_ideas, idea_id) if idea_id else None
        if previous is not None:
            form.initial = {
                "change_idea": previous.change_idea,
                "other_change_idea": previous.other_change_idea,
                "measures": list(previous.measures.all()),
                "objective": previous.next_step,
            }
        elif idea is not None:
            form.initial = {"change_idea": idea}
    else:

        def start(**data: Any) -> PDSACycle:
            return services.pdsa_cycle_start(
                actor=request.user,
                team=team,
                previous=previous,
                measures=list(data.pop("measures", [])),
                **data,
            )

        if (cycle := _service_call(form, start)) is not None:
            messages.success(
                request, f"PDSA cycle “{cycle.title}” saved. Carry out the plan, then record the Do."
            )
            return redirect("pdsa-cycle-detail", public_id=cycle.public_id)
    return _form_page(request, "pdsa/cycle_form.html", form, team=team, previous=previous, cycle=None)


def _by_public_id(queryset: Any, public_id: str) -> Any:
    try:
        return queryset.get(public_id=public_id)
    except (queryset.model.DoesNotExist, ValidationError):
        raise Http404("No such item.") from None


@login_required
@require_GET
def pdsa_cycle_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    return _detail_page(request, _cycle(request, public_id))


def _detail_page(
    request: HttpRequest, cycle: PDSACycle, attachment_form: forms.Form | None = None, status: int = 200
) -> HttpResponse:
    team = cycle.team
    reviews = list(selectors.pdsa_review_list(user=request.user, cycle=cycle))
    attachment_form = attachment_form or AttachmentForm()
    return render(
        request,
        "pdsa/cycle_detail.html",
        {
            "cycle": cycle,
            "team": team,
            "sections": _sections(cycle),
            "reviews": reviews,
            "waiting": next((r for r in reviews if r.reviewed_at is None), None),
            "ramp": _ramp(request, cycle),
            "attachments": selectors.pdsa_attachment_list(user=request.user, cycle=cycle),
            "attachment_form": attachment_form,
            "error_summary": error_summary(attachment_form),
            "can_enter": access.can(request.user, access.Action.ENTER_DATA, team),
            "can_review": access.can(request.user, access.Action.REVIEW, team),
            "next_status": _next_status(cycle),
            "latest_reviewed": next((r for r in reversed(reviews) if r.reviewed_at), None),
        },
        status=status,
    )


def _sections(cycle: PDSACycle) -> list[tuple[str, list[tuple[str, Any]]]]:
    """The cycle's Plan, Do, Study and Act answers under their form labels, for reading."""
    shown = {"title", "change_idea", "other_change_idea", "measures"}
    values = {"decision": cycle.get_decision_display()}
    return [
        (
            legend,
            [(LABELS[name], values.get(name, getattr(cycle, name))) for name in names if name not in shown],
        )
        for key, legend, names in PHASES
        if key != "change"
    ]


def _ramp(request: HttpRequest, cycle: PDSACycle) -> list[PDSACycle]:
    """The cycles of this cycle's ramp, first to last (following the chain both ways)."""
    visible = selectors.pdsa_cycle_list(user=request.user, team=cycle.team)
    by_id = {
        c.id: c
        for c in visible.select_related(None).only(
            "id", "public_id", "title", "status", "decision", "previous_id"
        )
    }
    first = cycle
    while first.previous_id in by_id:
        first = by_id[first.previous_id]
    chain: list[PDSACycle] = []
    current: PDSACycle | None = by_id.get(first.id, first)
    while current is not None:
        chain.append(current)
        current = next((c for c in by_id.values() if c.previous_id == current.id), None)
    return chain if len(chain) > 1 else []


def _next_status(cycle: PDSACycle) -> tuple[str, str] | None:
    steps = {
        PDSACycle.Status.PLANNING: ("doing", "Start the test (move to Do)"),
        PDSACycle.Status.DOING: ("studying", "Test done: move to Study"),
        PDSACycle.Status.STUDYING: ("done", "Finish the cycle (Act decision recorded)"),
    }
    return steps.get(PDSACycle.Status(cycle.status))


@login_required
@require_http_methods(["GET", "POST"])
def pdsa_cycle_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    cycle = _cycle(request, public_id)
    access.require(request.user, access.Action.ENTER_DATA, cycle.team)
    form = _cycle_form(request, cycle.team)
    if request.method == "GET":
        form.initial = {name: getattr(cycle, name) for name in form.fields if name != "measures"}
        form.initial["change_idea"] = cycle.change_idea
        form.initial["measures"] = list(cycle.measures.all())
    else:

        def update(**data: Any) -> PDSACycle:
            return services.pdsa_cycle_update(
                actor=request.user, cycle=cycle, measures=list(data.pop("measures", [])), **data
            )

        if _service_call(form, update) is not None:
            messages.success(request, "Cycle saved.")
            return redirect("pdsa-cycle-detail", public_id=cycle.public_id)
    return _form_page(request, "pdsa/cycle_form.html", form, team=cycle.team, cycle=cycle, previous=None)


@login_required
@require_POST
def pdsa_cycle_advance(request: HttpRequest, public_id: str) -> HttpResponse:
    cycle = _cycle(request, public_id)
    try:
        cycle = services.pdsa_cycle_advance(actor=request.user, cycle=cycle)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"The cycle is now at: {cycle.get_status_display()}.")
    return redirect("pdsa-cycle-detail", public_id=cycle.public_id)


@login_required
@require_POST
def pdsa_cycle_submit(request: HttpRequest, public_id: str) -> HttpResponse:
    cycle = _cycle(request, public_id)
    try:
        services.pdsa_cycle_submit(actor=request.user, cycle=cycle)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Sent for review. Your improvement advisor has been told.")
    return redirect("pdsa-cycle-detail", public_id=cycle.public_id)


@login_required
@require_http_methods(["GET", "POST"])
def pdsa_cycle_review(request: HttpRequest, public_id: str) -> HttpResponse:
    """The advisor's page: the cycle's text beside the feedback form and rubric for its waiting review."""
    cycle = _cycle(request, public_id)
    access.require(request.user, access.Action.REVIEW, cycle.team)
    review = cycle.reviews.filter(reviewed_at=None).first()
    if review is None:
        raise Http404("This cycle is not waiting for review.")
    form = PDSAReviewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":

        def complete(**data: Any) -> PDSAReview:
            return services.pdsa_review_complete(actor=request.user, review=review, **data)

        if _service_call(form, complete) is not None:
            messages.success(request, f"Review of “{cycle.title}” saved; the team has been told.")
            return redirect("pdsa-review-queue")
    return _form_page(
        request,
        "pdsa/review_form.html",
        form,
        cycle=cycle,
        team=cycle.team,
        review=review,
        history=[r for r in selectors.pdsa_review_list(user=request.user, cycle=cycle) if r.reviewed_at],
        sections=_sections(cycle),
    )


@login_required
@require_GET
def pdsa_review_queue(request: HttpRequest) -> HttpResponse:
    """Waiting reviews grouped per team; teams ordered by their oldest waiting request, each oldest first."""
    waiting = list(selectors.pdsa_review_queue(user=request.user))
    groups: dict[int, list[PDSAReview]] = {}
    for review in waiting:
        groups.setdefault(review.team_id, []).append(review)
    return render(
        request,
        "pdsa/review_queue.html",
        {
            "groups": [(reviews[0].team, reviews) for reviews in groups.values()],
            "count": len(waiting),
        },
    )


@login_required
@require_GET
def pdsa_ledger(request: HttpRequest, public_id: str) -> HttpResponse:
    """The change idea ledger and the monthly PDSA submission rate: counts only, for all who see the collaborative."""
    collaborative = get_object_or_404(
        collab_selectors.collaborative_list(user=request.user), public_id=public_id
    )
    awardees = collab_selectors.awardee_list(user=request.user).filter(
        lias__teams__collaborative=collaborative
    )
    form = LedgerFilter(request.GET or None, awardees=awardees.distinct().order_by("name"))
    awardee = form.cleaned_data["awardee"] if form.is_valid() else None
    return render(
        request,
        "pdsa/ledger.html",
        {
            "collaborative": collaborative,
            "form": form,
            "error_summary": error_summary(form) if form.is_bound else [],
            "awardee": awardee,
            "rows": selectors.change_idea_ledger(
                user=request.user, collaborative=collaborative, awardee=awardee
            ),
            "months": selectors.pdsa_submission_months(
                collaborative=collaborative, awardee=awardee, today=timezone.localdate()
            ),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def pdsa_home(request: HttpRequest) -> HttpResponse:
    """Where PDSA work starts: each collaborative's diagram and ledger, and the cycles of each team one sees."""
    teams = list(collab_selectors.team_list(user=request.user).order_by("collaborative__name", "lia__name"))
    counts = selectors.pdsa_cycle_counts(user=request.user, teams=teams)
    collaboratives: dict[int, Any] = {}
    for team in teams:
        collaboratives.setdefault(team.collaborative_id, (team.collaborative, []))[1].append(
            (team, counts.get(team.id, {}), access.can(request.user, access.Action.ENTER_DATA, team))
        )
    others = collab_selectors.collaborative_list(user=request.user).exclude(id__in=collaboratives)
    return render(
        request,
        "pdsa/home.html",
        {"groups": list(collaboratives.values()) + [(c, []) for c in others]},
    )


@login_required
@require_POST
def pdsa_attachment_add(request: HttpRequest, public_id: str) -> HttpResponse:
    cycle = _cycle(request, public_id)
    access.require(request.user, access.Action.ENTER_DATA, cycle.team)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services.pdsa_attachment_add(
                actor=request.user,
                cycle=cycle,
                filename=upload.name,
                content=upload.read(UPLOAD_MAX_BYTES + 1),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{upload.name} attached.")
            return redirect("pdsa-cycle-detail", public_id=cycle.public_id)
    return _detail_page(request, cycle, attachment_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def pdsa_attachment(request: HttpRequest, public_id: str) -> HttpResponse:
    """Download an attachment (as a file, never shown inline); POST removes it."""
    attachment = get_object_or_404(
        PDSAAttachment.objects.visible_to(request.user).select_related("cycle", "team"), public_id=public_id
    )
    if request.method == "POST":
        services.pdsa_attachment_delete(actor=request.user, attachment=attachment)
        messages.success(request, f"{attachment.filename} removed.")
        return redirect("pdsa-cycle-detail", public_id=attachment.cycle.public_id)
    response = HttpResponse(bytes(attachment.content), content_type=attachment.content_type)
    response["Content-Disposition"] = content_disposition_header(True, attachment.filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    """One result list across teams, measures, PDSA cycles, change ideas and notes the user may see."""
    query = request.GET.get("q", "").strip()[:100]
    hits = search.search(user=request.user, query=query)
    return render(
        request,
        "pdsa/search.html",
        {"query": query, "hits": hits, "too_short": 0 < len(query) < search.MIN_QUERY},
    )


@login_required
@require_POST
def pdsa_review_reply(request: HttpRequest, public_id: str) -> HttpResponse:
    """A message in the conversation on the cycle's latest feedback, from the team or its advisor."""
    cycle = _cycle(request, public_id)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.pdsa_review_reply(actor=request.user, cycle=cycle, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Message sent; the other side has been told.")
    else:
        messages.error(request, "Write your message.")
    return redirect(reverse("pdsa-cycle-detail", kwargs={"public_id": cycle.public_id}) + "#conversation")
