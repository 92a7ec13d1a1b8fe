"""Pages of the referral network. Reads through selectors, writes through services; another
network's object is 404, visible but not allowed is 403; every view of personal data is audited."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import caches
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coiin.audit import audit_event
from referrals import access, selectors, services
from referrals.access import Action
from referrals.forms import (
    AttemptForm,
    CancelForm,
    ChooseForm,
    CloseForm,
    DeclineForm,
    IntakeChartsForm,
    PartnerReferralForm,
    ProgramForm,
    ScreenForm,
    SelfReferralForm,
    add_service_errors,
    error_summary,
)
from referrals.intake_charts import intake_figures
from referrals.models import ConsentScope, Network, NetworkRole, Program, Referral, Source, Status

PUBLIC_LANGUAGES = ("en", "es")


def _public_language(request: HttpRequest) -> str:
    """?lang= wins, then the browser's Accept-Language; English otherwise."""
    asked = (
        request.GET.get("lang") or request.POST.get("lang") or translation.get_language_from_request(request)
    )
    code = (asked or "en")[:2]
    return code if code in PUBLIC_LANGUAGES else "en"


def _public_network() -> Network:
    """The network a family's self-referral goes to: this deployment's (the first by creation)."""
    network = Network.objects.unscoped(reason="the public page names no network").order_by("id").first()
    if network is None:
        raise Http404
    return network


PUBLIC_BUDGET = 20  # self-referrals and status look-ups per address per hour: a family needs a few


def _over_budget(request: HttpRequest, what: str) -> bool:
    """Counts this address's public requests of one kind in the hour; True once over the budget."""
    key = f"referrals-public-{what}-{request.META.get('REMOTE_ADDR', '')}"
    budget = caches["throttle"]
    budget.add(key, 0, timeout=3600)
    return budget.incr(key) > PUBLIC_BUDGET


@require_http_methods(["GET", "POST"])
def self_referral(request: HttpRequest) -> HttpResponse:
    lang = _public_language(request)
    with translation.override(lang):
        network = _public_network()
        form = SelfReferralForm(
            request.POST if request.method == "POST" else None, initial={"language": lang}
        )
        if request.method == "POST" and _over_budget(request, "refer"):
            audit_event("referral.self_referral", request=request, outcome="throttled")
            return render(request, "referrals/busy.html", {"lang": lang}, status=429)
        if request.method == "POST" and form.is_valid():
            try:
                referral = services.referral_create(
                    actor=None,
                    network=network,
                    source=Source.FAMILY,
                    consent_scope=ConsentScope.CONTACT_AND_NEEDS,
                    **form.intake(),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                audit_event(
                    "referral.self_referral", request=request, outcome="created", referral=referral.public_id
                )
                return render(
                    request, "referrals/self_referral_done.html", {"referral": referral, "lang": lang}
                )
        return render(
            request,
            "referrals/self_referral.html",
            {"form": form, "lang": lang, "network": network, "error_summary": error_summary(form)},
            status=400 if request.method == "POST" else 200,
        )


FAMILY_STATUS = {
    "received": _("We have your referral. The intake hub will call you to talk about the programs that fit."),
    "sent": _("Your referral was sent to the program you chose. They will contact you soon."),
    "accepted": _("The program has accepted your referral and is trying to reach you."),
    "enrolled": _("You are enrolled. Welcome!"),
    "closed": _("This referral is closed. You can refer yourself again at any time."),
}


def _family_status(referral: Referral) -> str:
    if referral.outcome == "enrolled":
        return "enrolled"
    if referral.status in (Status.COMPLETED, Status.CANCELLED, Status.FAILED):
        return "closed"
    if referral.status in (Status.ACCEPTED, Status.IN_PROGRESS):
        return "accepted"
    if referral.program_id and referral.status in (Status.REQUESTED, Status.RECEIVED):
        return "sent"
    return "received"


@require_GET
def referral_status(request: HttpRequest) -> HttpResponse:
    """A family's status by reference code: no name, no contact detail, no program detail."""
    lang = _public_language(request)
    with translation.override(lang):
        if "code" in request.GET and _over_budget(request, "status"):
            return render(request, "referrals/busy.html", {"lang": lang}, status=429)
        code = services.reference_code_normalise(request.GET.get("code", ""))
        referral = selectors.referral_by_code(code) if code else None
        asked = "code" in request.GET
        status = str(FAMILY_STATUS[_family_status(referral)]) if referral is not None else None
        return render(
            request,
            "referrals/status.html",
            {
                "lang": lang,
                "asked": asked,
                "status": status,
                "code": code or request.GET.get("code", "")[:20],
            },
            status=404 if asked and referral is None else 200,
        )


# --- Signed-in pages ---


def _network(request: HttpRequest, public_id: Any, action: Action) -> Network:
    network = get_object_or_404(selectors.network_list(user=request.user), public_id=public_id)
    access.require(request.user, action, network)
    return network


@login_required
@require_GET
def referral_home(request: HttpRequest) -> HttpResponse:
    return render(request, "referrals/home.html", {"roles": selectors.membership_list(user=request.user)})


@login_required
@require_GET
def hub_queue(request: HttpRequest, public_id: Any) -> HttpResponse:
    network = _network(request, public_id, Action.WORK_QUEUE)
    now = timezone.now()
    return render(
        request,
        "referrals/queue.html",
        {
            "network": network,
            "queue": selectors.hub_queue(user=request.user, network=network, now=now),
            "counts": selectors.queue_counts(user=request.user, network=network, now=now),
        },
    )


@login_required
@require_GET
def program_intake(request: HttpRequest, public_id: Any) -> HttpResponse:
    network = get_object_or_404(selectors.network_list(user=request.user), public_id=public_id)
    if not access.ids_with_role(request.user, NetworkRole.PROGRAM_STAFF) and not access.sees_everything(
        request.user
    ):
        raise PermissionDenied("Only program intake staff have an intake list.")
    return render(
        request,
        "referrals/intake.html",
        {"network": network, "referrals": selectors.program_intake_list(user=request.user, network=network)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def partner_referrals(request: HttpRequest, public_id: Any) -> HttpResponse:
    network = _network(request, public_id, Action.REFER)
    programs = selectors.program_list(user=request.user, network=network)
    form = PartnerReferralForm(request.POST if request.method == "POST" else None, programs=programs)
    organization = (
        network.organizations.filter(id__in=access.ids_with_role(request.user, NetworkRole.PARTNER))
        .order_by("name")
        .first()
    )
    # "No wrong door": the hub enters a family that phoned or walked in; a partner refers for its organisation.
    at_hub = network.id in access.ids_with_role(request.user, NetworkRole.HUB_COORDINATOR)
    if request.method == "POST" and form.is_valid():
        if organization is None and not at_hub:
            raise PermissionDenied("Only a referral partner or the hub refers from this page.")
        data = form.cleaned_data
        try:
            referral = services.referral_create(
                actor=request.user,
                network=network,
                source=Source.PARTNER if organization is not None else Source.HUB,
                source_organization=organization,
                consent_scope=data["consent_scope"],
                consent_any_program=not data["consent_programs"],
                consent_programs=data["consent_programs"],
                **form.intake(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Referral {referral.reference_code} sent to the intake hub.")
            return redirect("referral-partner", public_id=network.public_id)
    return render(
        request,
        "referrals/partner.html",
        {
            "network": network,
            "form": form,
            "error_summary": error_summary(form),
            "referrals": selectors.partner_referral_list(user=request.user, network=network),
            "organization": organization,
        },
        status=400 if request.method == "POST" else 200,
    )


def _referral(request: HttpRequest, public_id: Any) -> Referral:
    return get_object_or_404(selectors.referral_list(user=request.user), public_id=public_id)


def _detail_context(request: HttpRequest, referral: Referral, **forms: Any) -> dict[str, Any]:
    user = request.user
    at_hub = access.can(user, Action.WORK_QUEUE, referral)
    programs = {str(p.public_id): p for p in selectors.program_list(user=user, network=referral.network)}
    presented = [
        (programs[pid], referral.eligibility.get(pid))
        for pid in referral.presented_programs
        if pid in programs
    ]
    return {
        "referral": referral,
        "at_hub": at_hub,
        "at_program": access.can(user, Action.WORK_INTAKE, referral),
        "presented": presented,
        "events": referral.events.select_related("program", "actor"),
        "attempts": referral.attempts.all(),
        "duplicate": referral.duplicate_of,
        "screen_form": forms.get("screen") or ScreenForm(),
        "cancel_form": forms.get("cancel") or CancelForm(),
        "decline_form": forms.get("decline") or DeclineForm(),
        "attempt_form": forms.get("attempt") or AttemptForm(),
        "close_form": forms.get("close") or CloseForm(),
        "errors": [e for f in forms.values() for e in error_summary(f)],
    }


@login_required
@require_GET
def referral_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    """The referral with the family's personal data: hub staff and the receiving program only, audited."""
    referral = _referral(request, public_id)
    access.require(request.user, Action.VIEW_PERSONAL, referral)
    audit_event(
        "referral.personal_data_viewed", request=request, outcome="shown", referral=referral.public_id
    )
    return render(request, "referrals/detail.html", _detail_context(request, referral))


ACTIONS: dict[str, type[forms.Form] | None] = {
    "screen": ScreenForm,
    "choose": ChooseForm,
    "send": None,
    "cancel": CancelForm,
    "receive": None,
    "accept": None,
    "decline": DeclineForm,
    "attempt": AttemptForm,
    "close": CloseForm,
}


DONE = {
    "screen": "screened again",
    "choose": "the family's choice is recorded",
    "send": "sent to the program",
    "cancel": "cancelled",
    "receive": "marked received",
    "accept": "accepted",
    "decline": "declined and returned to the hub",
    "attempt": "contact attempt logged",
    "close": "closed with its outcome",
}


def _run(request: HttpRequest, referral: Referral, action: str, form: Any) -> None:
    user = request.user
    data = form.cleaned_data if form is not None else {}
    match action:
        case "screen":
            services.referral_screen(actor=user, referral=referral, **form.answers())
        case "choose":
            program = (
                Program.objects.visible_to(user)
                .filter(network=referral.network, public_id=data["program"])
                .first()
            )
            if program is None:
                raise ValidationError({"program": "Choose one of the programs the family is eligible for."})
            services.referral_choose(actor=user, referral=referral, program=program)
        case "send":
            services.referral_send(actor=user, referral=referral)
        case "cancel":
            services.referral_cancel(actor=user, referral=referral, reason=data["reason"])
        case "receive":
            services.referral_receive(actor=user, referral=referral)
        case "accept":
            services.referral_accept(actor=user, referral=referral)
        case "decline":
            services.referral_decline(actor=user, referral=referral, reason=data["reason"])
        case "attempt":
            services.contact_attempt_log(actor=user, referral=referral, **data)
        case "close":
            services.referral_close(actor=user, referral=referral, outcome=data["outcome"])


@login_required
@require_POST
def referral_action(request: HttpRequest, public_id: Any, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    referral = _referral(request, public_id)
    needed = Action.WORK_QUEUE if action in ("screen", "choose", "send", "cancel") else Action.WORK_INTAKE
    access.require(request.user, needed, referral)
    form_class = ACTIONS[action]
    form: forms.Form | None = form_class(request.POST) if form_class is not None else None
    if form is None or form.is_valid():
        try:
            _run(request, referral, action, form)
        except ValidationError as exc:
            if form is None:
                form = forms.Form({})
                form.is_valid()
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Referral {referral.reference_code}: {DONE[action]}.")
            return redirect("referral-detail", public_id=referral.public_id)
    referral.refresh_from_db()
    audit_event(
        "referral.personal_data_viewed", request=request, outcome="shown", referral=referral.public_id
    )
    return render(
        request, "referrals/detail.html", _detail_context(request, referral, **{action: form}), status=400
    )


@login_required
@require_GET
def directory(request: HttpRequest, public_id: Any) -> HttpResponse:
    network = _network(request, public_id, Action.EDIT_DIRECTORY)
    return render(
        request,
        "referrals/directory.html",
        {
            "network": network,
            "programs": selectors.program_list(user=request.user, network=network),
            "organizations": network.organizations.all(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def program_edit(request: HttpRequest, public_id: Any) -> HttpResponse:
    program = get_object_or_404(
        Program.objects.visible_to(request.user).select_related("network"), public_id=public_id
    )
    access.require(request.user, Action.EDIT_DIRECTORY, program.network)
    form = ProgramForm(request.POST if request.method == "POST" else None, instance=program)
    if request.method == "POST" and form.is_valid():
        fields = {
            k: form.cleaned_data[k]
            for k in (
                "name",
                "description",
                "open_slots",
                "capacity",
                "accepting",
                "service_zips",
                "languages",
            )
        }
        try:
            services.program_update(
                actor=request.user, program=program, rules=form.cleaned_data["rules"], **fields
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{program.name} saved.")
            return redirect("referral-directory", public_id=program.network.public_id)
    return render(
        request,
        "referrals/program_edit.html",
        {"program": program, "form": form, "error_summary": error_summary(form)},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def dashboard(request: HttpRequest, public_id: Any) -> HttpResponse:
    network = _network(request, public_id, Action.VIEW_DASHBOARD)
    today = timezone.localdate()
    figures = selectors.network_dashboard(user=request.user, network=network, today=today)
    form = IntakeChartsForm(request.GET or None, programs=[p for p, *_ in figures.capacity])
    program = form.chosen()
    series = selectors.network_intake_series(user=request.user, network=network, today=today, program=program)
    charts = intake_figures(series, title=program.name if program else network.name)
    return render(
        request,
        "referrals/dashboard.html",
        {"network": network, "dashboard": figures, "charts_form": form, "program": program, "charts": charts},
        status=400 if form.errors else 200,
    )
