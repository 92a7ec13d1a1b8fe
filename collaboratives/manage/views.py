"""The collaborative's management page: its admins and site staff enrol and withdraw teams, assign advisors,
invite every role, end memberships and follow up invitations nobody accepted, without the Django admin."""

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from collaboratives import access, running, selectors, services
from collaboratives.forms import (
    AdvisorAssignForm,
    CollaborativeInviteForm,
    EnrolForm,
    ProfileForm,
    ResendForm,
    WithdrawForm,
    add_service_errors,
    error_summary,
)
from collaboratives.models import Collaborative, Invitation


def _administered(request: HttpRequest, public_id: str) -> Collaborative:
    """The collaborative (404 if not visible), once the user is shown to run it (403 otherwise)."""
    collaborative = get_object_or_404(selectors.collaborative_list(user=request.user), public_id=public_id)
    access.require(request.user, access.Action.INVITE_PEOPLE, collaborative)
    return collaborative


def _forms(request: HttpRequest, collaborative: Collaborative, bound: str = "", data: Any = None) -> dict:
    """The page's forms; the one named `bound` holds the submitted `data`."""
    user = request.user
    teams = selectors.team_list(user=user, collaborative=collaborative)
    active = teams.filter(withdrawn_on=None)

    def with_data(name: str) -> Any:
        return data if bound == name else None

    return {
        "enrol_form": EnrolForm(
            with_data("enrol"),
            lias=running.lia_enrolment_choices(user=user, collaborative=collaborative),
            initial={"joined_on": timezone.localdate()},
        ),
        "advisor_form": AdvisorAssignForm(
            with_data("advisor"),
            teams=active,
            advisors=running.advisor_choices(user=user, collaborative=collaborative),
        ),
        "invite_form": CollaborativeInviteForm(with_data("invite"), teams=active),
    }


def _page(
    request: HttpRequest, collaborative: Collaborative, status: int = 200, **forms_: Any
) -> HttpResponse:
    user = request.user
    page_forms = _forms(request, collaborative) | forms_
    summary = [item for form in forms_.values() for item in error_summary(form)]
    return render(
        request,
        "collaboratives/manage.html",
        {
            "collaborative": collaborative,
            "teams": selectors.team_list(user=user, collaborative=collaborative).order_by("lia__name"),
            "people": running.collaborative_people(user=user, collaborative=collaborative),
            "pending": running.invitation_pending_list(user=user, collaborative=collaborative),
            "now": timezone.now(),
            "withdraw_form": WithdrawForm(initial={"withdrawn_on": timezone.localdate()}),
            "resend_form": ResendForm(),
            "error_summary": summary,
            **page_forms,
        },
        status=status,
    )


def _submit(
    request: HttpRequest, collaborative: Collaborative, name: str, form: forms.Form, call: Any, done: str
) -> HttpResponse:
    """Run a service with a valid form's values; on success say `done` (formatted with the result) and go
    back to the page, otherwise show the page with the form's errors (400)."""
    if form.is_valid():
        try:
            result = call(**form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, done.format(result=result))
            return redirect("collaborative-manage", public_id=collaborative.public_id)
    return _page(request, collaborative, status=400, **{f"{name}_form": form})


@login_required
@require_GET
def collaborative_manage(request: HttpRequest, public_id: str) -> HttpResponse:
    return _page(request, _administered(request, public_id))


@login_required
@require_POST
def collaborative_enrol(request: HttpRequest, public_id: str) -> HttpResponse:
    collaborative = _administered(request, public_id)
    form = _forms(request, collaborative, "enrol", request.POST)["enrol_form"]
    return _submit(
        request,
        collaborative,
        "enrol",
        form,
        lambda **data: running.team_enrol(actor=request.user, collaborative=collaborative, **data),
        "{result.lia.name} is enrolled as team {result.code}.",
    )


@login_required
@require_POST
def collaborative_assign_advisor(request: HttpRequest, public_id: str) -> HttpResponse:
    collaborative = _administered(request, public_id)
    form = _forms(request, collaborative, "advisor", request.POST)["advisor_form"]
    return _submit(
        request,
        collaborative,
        "advisor",
        form,
        lambda team, advisor: running.advisor_assign(actor=request.user, team=team, advisor=advisor),
        "{result.user.email} now advises {result.team.lia.name}.",
    )


@login_required
@require_POST
def collaborative_invite(request: HttpRequest, public_id: str) -> HttpResponse:
    collaborative = _administered(request, public_id)
    form = _forms(request, collaborative, "invite", request.POST)["invite_form"]
    return _submit(
        request,
        collaborative,
        "invite",
        form,
        lambda **data: services.invitation_send(
            actor=request.user,
            via=collaborative,
            collaborative=collaborative if data["role"] == "collaborative_admin" else None,
            **data,
        ),
        "Invitation sent to {result.email}; the link expires on {result.expires_at:%B %d, %Y}.",
    )


@login_required
@require_POST
def team_withdraw(request: HttpRequest, public_id: str) -> HttpResponse:
    team = get_object_or_404(selectors.team_list(user=request.user), public_id=public_id)
    access.require(request.user, access.Action.ENROL_TEAMS, team.collaborative)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            running.team_withdraw(actor=request.user, team=team, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, f"{team.lia.name} withdrew on {form.cleaned_data['withdrawn_on']:%B %d, %Y}."
            )
    else:
        messages.error(request, "Enter the date the team withdrew, as YYYY-MM-DD.")
    return redirect("collaborative-manage", public_id=team.collaborative.public_id)


@login_required
@require_POST
def membership_end(request: HttpRequest, public_id: str) -> HttpResponse:
    """End a membership the user looks after (404 otherwise); back to the page the form was on."""
    membership = get_object_or_404(running.membership_manageable_list(user=request.user), public_id=public_id)
    running.membership_end(actor=request.user, membership=membership)
    messages.success(
        request,
        f"{membership.user.email} is no longer {membership.get_role_display()} of {membership.scope}.",
    )
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "/"
    return redirect(back)


def _invitation(request: HttpRequest, public_id: str) -> Invitation:
    return get_object_or_404(running.invitation_pending_list(user=request.user), public_id=public_id)


def _back(invitation: Invitation) -> HttpResponse:
    if invitation.via is not None:
        return redirect("collaborative-manage", public_id=invitation.via.public_id)
    if invitation.lia is not None:
        return redirect("lia-roster", public_id=invitation.lia.public_id)
    return redirect("home")


@login_required
@require_POST
def invitation_resend(request: HttpRequest, public_id: str) -> HttpResponse:
    invitation = _invitation(request, public_id)
    form = ResendForm(request.POST)
    lifetime = form.cleaned_data["lifetime_days"] if form.is_valid() else 14
    services.invitation_resend(actor=request.user, invitation=invitation, lifetime_days=lifetime)
    messages.success(
        request,
        f"Invitation sent again to {invitation.email}; the new link expires on "
        f"{invitation.expires_at:%B %d, %Y} and the old one no longer works.",
    )
    return _back(invitation)


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, public_id: str) -> HttpResponse:
    invitation = _invitation(request, public_id)
    services.invitation_revoke(actor=request.user, invitation=invitation)
    messages.success(request, f"The invitation to {invitation.email} is revoked: its link no longer works.")
    return _back(invitation)


@login_required
@require_http_methods(["GET", "POST"])
def account_profile(request: HttpRequest) -> HttpResponse:
    """The account menu's first page: one's name (editable), email, roles, and the account's other pages."""
    user = cast(Any, request.user)  # signed in (login_required)
    form = ProfileForm(
        request.POST if request.method == "POST" else None,
        initial={"first_name": user.first_name, "last_name": user.last_name},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_update(actor=user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Your name is saved.")
            return redirect("account-profile")
    return render(
        request,
        "collaboratives/profile.html",
        {
            "form": form,
            "error_summary": error_summary(form),
            "memberships": running.membership_own_list(user=user),
        },
        status=400 if form.errors else 200,
    )
