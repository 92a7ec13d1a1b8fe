"""Worksheet pages: Joy in Work (personal, team, roll-up, plan → PDSA) and the closing CQI planner (+ PDF)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coiin.http import AuthenticatedHttpRequest
from collaboratives import access
from collaboratives.models import Awardee, Collaborative, Team
from collaboratives.selectors import awardee_list, collaborative_list, team_list
from worksheets import definitions, selectors, services
from worksheets.forms import WorksheetForm, title_level
from worksheets.models import Worksheet
from worksheets.pdf import closing_planner_html, closing_planner_pdf
from worksheets.storyboard import storyboard_build, storyboard_pdf


def _team(request: HttpRequest, public_id: str) -> Team:
    return get_object_or_404(team_list(user=request.user), public_id=public_id)


@login_required
@require_GET
def worksheet_index(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Where each worksheet starts: Joy in Work per team the user sees, closing planners per awardee."""
    teams = list(
        team_list(user=request.user).filter(withdrawn_on__isnull=True).order_by("collaborative", "lia__name")
    )
    return render(
        request,
        "worksheets/index.html",
        {
            "teams": teams,
            "planners": selectors.planner_scope_list(user=request.user),
            "mine": selectors.worksheet_list(user=request.user).filter(respondent=request.user),
        },
    )


@login_required
@require_GET
def joy_team(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    """A team's Joy in Work page: your own worksheet, the team's, shared ones, and (for leads) the roll-up."""
    team = _team(request, public_id)
    rollup = (
        selectors.joy_rollup(user=request.user, team=team)
        if access.can(request.user, access.Action.READ_JOY_ROLLUP, team)
        else None
    )
    shared = (
        selectors.worksheet_list(user=request.user, team=team)
        .filter(template__slug=definitions.JOY_IN_WORK, respondent__isnull=False)
        .exclude(respondent=request.user)
    )
    return render(
        request,
        "worksheets/joy_team.html",
        {
            "team": team,
            "can_fill": access.can(request.user, access.Action.ENTER_DATA, team),
            "mine": selectors.joy_worksheet_mine(user=request.user, team=team),
            "team_worksheet": selectors.joy_worksheet_of_team(user=request.user, team=team),
            "shared": shared,
            "rollup": rollup,
            "min_respondents": selectors.ROLLUP_MIN_RESPONDENTS,
        },
    )


def _joy_form(request: HttpRequest, public_id: str, *, for_team: bool) -> HttpResponse:
    team = _team(request, public_id)
    access.require(request.user, access.Action.ENTER_DATA, team)
    existing = (
        selectors.joy_worksheet_of_team(user=request.user, team=team)
        if for_team
        else selectors.joy_worksheet_mine(user=request.user, team=team)
    )
    template = (
        existing.template if existing else services.worksheet_template_current(slug=definitions.JOY_IN_WORK)
    )
    form = WorksheetForm(
        request.POST or None,
        definition=template.definition,
        answers=existing.answers if existing else {},
        shareable=not for_team,
        shared=bool(existing and existing.shared),
    )
    if request.method == "POST" and form.is_valid():
        try:
            worksheet = services.joy_worksheet_save(
                actor=request.user, team=team, answers=form.answers(), for_team=for_team, shared=form.shared
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, "Worksheet saved.")
            return redirect("worksheet-detail", public_id=worksheet.public_id)
    return render(
        request,
        "worksheets/joy_form.html",
        {"team": team, "form": form, "for_team": for_team, "worksheet": existing, "template": template},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def joy_mine(request: HttpRequest, public_id: str) -> HttpResponse:
    return _joy_form(request, public_id, for_team=False)


@login_required
@require_http_methods(["GET", "POST"])
def joy_team_worksheet(request: HttpRequest, public_id: str) -> HttpResponse:
    return _joy_form(request, public_id, for_team=True)


def _visible_worksheet(request: HttpRequest, public_id: str) -> Worksheet:
    return get_object_or_404(selectors.worksheet_list(user=request.user), public_id=public_id)


@login_required
@require_GET
def worksheet_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    """One Joy in Work worksheet, read-only, for those who may see it (a private one: its respondent only)."""
    worksheet = _visible_worksheet(request, public_id)
    if (awardee := worksheet.awardee) is not None:  # a closing planner: a worksheet has a team or an awardee
        return redirect(
            "closing-planner", public_id=worksheet.collaborative.public_id, awardee_id=awardee.public_id
        )
    return render(
        request,
        "worksheets/joy_detail.html",
        {
            "worksheet": worksheet,
            "team": worksheet.team,
            "sections": selectors.worksheet_answered_sections(worksheet),
            "title_level": title_level(worksheet.template.definition),
            "can_edit": services.worksheet_can_edit(request.user, worksheet),
        },
    )


@login_required
@require_POST
def worksheet_pdsa(request: HttpRequest, public_id: str) -> HttpResponse:
    """Turn the worksheet's plan into a draft PDSA cycle of its team (once; a second click changes nothing)."""
    worksheet = _visible_worksheet(request, public_id)
    try:
        cycle = services.worksheet_plan_to_pdsa(actor=request.user, worksheet=worksheet)
    except ValidationError as exc:
        for errors in exc.message_dict.values():
            for error in errors:
                messages.error(request, error)
        return redirect("worksheet-detail", public_id=worksheet.public_id)
    messages.success(request, f"Draft PDSA cycle “{cycle.title}” is in Planning for {cycle.team.lia.name}.")
    return redirect("worksheet-detail", public_id=worksheet.public_id)


def _planner_scope(request: HttpRequest, public_id: str, awardee_id: str) -> tuple[Collaborative, Awardee]:
    """The collaborative and awardee if the user may read their planner; otherwise 404, as if missing."""
    collaborative = get_object_or_404(collaborative_list(user=request.user), public_id=public_id)
    awardee = get_object_or_404(awardee_list(user=request.user), public_id=awardee_id)
    if not access.may_read_closing_plan(request.user, collaborative, awardee):
        raise Http404("No closing planner here.")
    if not collaborative.teams.filter(lia__awardee=awardee).exists():
        raise Http404("This awardee has no team in the collaborative.")
    return collaborative, awardee


@login_required
@require_http_methods(["GET", "POST"])
def closing_planner(request: HttpRequest, public_id: str, awardee_id: str) -> HttpResponse:
    """The awardee's closing CQI planner: Part 1 from the data, Parts 1–3 as a form its leads fill."""
    collaborative, awardee = _planner_scope(request, public_id, awardee_id)
    can_edit = access.may_edit_closing_plan(request.user, awardee)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied("Only the awardee's leads write its closing planner.")
    planner = selectors.closing_planner_get(user=request.user, collaborative=collaborative, awardee=awardee)
    template = (
        planner.template if planner else services.worksheet_template_current(slug=definitions.CLOSING_PLANNER)
    )
    answers = dict(planner.answers) if planner else {}
    if planner is None:
        suggestions = selectors.close_to_aim_suggestions(
            user=request.user, collaborative=collaborative, awardee=awardee
        )
        if suggestions:
            answers["p2_close_teams"] = "\n".join(suggestions)
    form = WorksheetForm(request.POST or None, definition=template.definition, answers=answers)
    if request.method == "POST" and form.is_valid():
        try:
            services.closing_planner_save(
                actor=request.user, collaborative=collaborative, awardee=awardee, answers=form.answers()
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, "Closing planner saved.")
            return redirect(request.path)
    figures = selectors.closing_planner_figures(
        user=request.user, collaborative=collaborative, awardee=awardee, today=timezone.localdate()
    )
    return render(
        request,
        "worksheets/closing_planner.html",
        {
            "collaborative": collaborative,
            "awardee": awardee,
            "planner": planner,
            "figures": figures,
            "form": form,
            "can_edit": can_edit,
            "sections": selectors.worksheet_answered_sections(planner) if planner else [],
            "title_level": 3,
            "pdf_url": reverse("closing-planner-pdf", args=[collaborative.public_id, awardee.public_id]),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def closing_planner_pdf_view(request: HttpRequest, public_id: str, awardee_id: str) -> HttpResponse:
    """The planner as a PDF a state lead can send on: Part 1 with run charts, then the answers."""
    collaborative, awardee = _planner_scope(request, public_id, awardee_id)
    planner = selectors.closing_planner_get(user=request.user, collaborative=collaborative, awardee=awardee)
    figures = selectors.closing_planner_figures(
        user=request.user, collaborative=collaborative, awardee=awardee, today=timezone.localdate()
    )
    html = closing_planner_html(
        collaborative=collaborative, awardee=awardee, planner=planner, figures=figures
    )
    response = HttpResponse(closing_planner_pdf(html), content_type="application/pdf")
    filename = f"closing-planner-{awardee.code}-{collaborative.short_name}.pdf".lower().replace(" ", "-")
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=False, filename=filename) or "inline"
    )
    return response


@login_required
@require_GET
def team_storyboard(request: HttpRequest, public_id: str) -> HttpResponse:
    """The team's storyboard: printable from the browser, or as a PDF below."""
    team = get_object_or_404(team_list(user=request.user), public_id=public_id)
    return render(
        request, "worksheets/storyboard.html", {"board": storyboard_build(user=request.user, team=team)}
    )


@login_required
@require_GET
def team_storyboard_pdf(request: HttpRequest, public_id: str) -> HttpResponse:
    team = get_object_or_404(team_list(user=request.user), public_id=public_id)
    response = HttpResponse(
        storyboard_pdf(storyboard_build(user=request.user, team=team)), content_type="application/pdf"
    )
    filename = f"storyboard-{team.collaborative.short_name}-{team.code}.pdf".lower().replace(" ", "-")
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=False, filename=filename) or "inline"
    )
    return response
