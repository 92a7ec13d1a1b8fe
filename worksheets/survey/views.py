"""Survey pages: the instrument (collaborative admins), a team's months and links (CQI lead), results
(everyone who sees the team or collaborative) and the public page a link opens (no account)."""

import hashlib
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from collaboratives import access
from collaboratives.forms import error_summary
from collaboratives.models import Collaborative, Team
from collaboratives.selectors import collaborative_list, team_list
from worksheets.models import SurveyItem, SurveyWindow
from worksheets.survey import dates, forms, selectors, services
from worksheets.survey.instrument import choices_text


def _add_errors(form: Any, exc: ValidationError) -> None:
    for key, errors in exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]:
        for error in errors:
            form.add_error(key if key in form.fields else None, error)


def _collaborative(request: HttpRequest, public_id: str) -> Collaborative:
    return get_object_or_404(collaborative_list(user=request.user), public_id=public_id)


def _team(request: HttpRequest, public_id: str) -> Team:
    return get_object_or_404(team_list(user=request.user), public_id=public_id)


def _window(request: HttpRequest, public_id: str) -> SurveyWindow:
    return get_object_or_404(selectors.survey_window_list(user=request.user), public_id=public_id)


# --- collaborative: results and the instrument ---


@login_required
@require_http_methods(["GET"])
def survey_results(request: HttpRequest, public_id: str) -> HttpResponse:
    collaborative = _collaborative(request, public_id)
    results = selectors.survey_collaborative_results(
        user=request.user, collaborative=collaborative, today=timezone.localdate()
    )
    return render(
        request,
        "worksheets/survey/results.html",
        {
            "collaborative": collaborative,
            "results": results,
            "can_edit": access.can(request.user, access.Action.ADMINISTER, collaborative),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def survey_instrument(request: HttpRequest, public_id: str) -> HttpResponse:
    """The questions, for everyone who sees the collaborative; its admins change the threshold here."""
    collaborative = _collaborative(request, public_id)
    if request.method == "POST":
        access.require(request.user, access.Action.ADMINISTER, collaborative)
    instrument = services.survey_instrument_ensure(collaborative=collaborative)
    form = forms.InstrumentForm(request.POST or None, initial={"min_responses": instrument.min_responses})
    if request.method == "POST" and form.is_valid():
        try:
            services.survey_instrument_update(
                actor=request.user, instrument=instrument, min_responses=form.cleaned_data["min_responses"]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "Saved. Survey months opened from now on use this threshold.")
            return redirect("survey-instrument", public_id=collaborative.public_id)
    return render(
        request,
        "worksheets/survey/instrument.html",
        {
            "collaborative": collaborative,
            "instrument": instrument,
            "items": instrument.items.select_related("measure"),
            "form": form,
            "error_summary": error_summary(form),
            "can_edit": access.can(request.user, access.Action.ADMINISTER, collaborative),
        },
    )


def _item_form_page(
    request: HttpRequest, collaborative: Collaborative, item: SurveyItem | None
) -> HttpResponse:
    access.require(request.user, access.Action.ADMINISTER, collaborative)
    instrument = services.survey_instrument_ensure(collaborative=collaborative)
    measures = collaborative.measures.filter(kind="proportion")
    initial = {}
    if item is not None:
        initial = {
            "code": item.code,
            "text_en": item.text_en,
            "text_es": item.text_es,
            "choices": choices_text(item.choices),
            "top_box": ", ".join(item.top_box),
            "measure": item.measure.public_id if item.measure else None,
            "order": item.order,
        }
    form = forms.ItemForm(request.POST or None, initial=initial, measures=measures)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.survey_item_save(
                actor=request.user,
                instrument=instrument,
                item=item,
                code=data["code"],
                text_en=data["text_en"],
                text_es=data["text_es"],
                choices_text=data["choices"],
                top_box=data["top_box"],
                measure=data["measure"],
                order=data["order"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "Question saved. Survey months opened from now on ask it this way.")
            return redirect("survey-instrument", public_id=collaborative.public_id)
    return render(
        request,
        "worksheets/survey/item_form.html",
        {"collaborative": collaborative, "item": item, "form": form, "error_summary": error_summary(form)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def survey_item_new(request: HttpRequest, public_id: str) -> HttpResponse:
    return _item_form_page(request, _collaborative(request, public_id), None)


@login_required
@require_http_methods(["GET", "POST"])
def survey_item_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    item = get_object_or_404(
        SurveyItem.objects.visible_to(request.user).select_related("collaborative", "measure"),
        public_id=public_id,
    )
    return _item_form_page(request, item.collaborative, item)


# --- a team's survey months (the CQI lead) ---


@login_required
@require_http_methods(["GET", "POST"])
def survey_team(request: HttpRequest, public_id: str) -> HttpResponse:
    """A team's survey months with their response rates and results; its CQI lead opens a month here."""
    team = _team(request, public_id)
    can_run = access.can(request.user, access.Action.RUN_SURVEY, team)
    if request.method == "POST":
        access.require(request.user, access.Action.RUN_SURVEY, team)
    windows = list(selectors.survey_window_list(user=request.user, team=team))
    today = timezone.localdate()
    last = windows[0] if windows else None
    initial = {
        "month": today.replace(day=1),
        "opens_on": today,
        "closes_on": dates.month_last_day(today),
        "staff_count": last.staff_count if last else None,
    }
    form = forms.WindowOpenForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            window = services.survey_window_open(actor=request.user, team=team, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request, f"The survey of {window.month:%B %Y} is set up. Now hand out its links."
            )
            return redirect("survey-window-links", public_id=window.public_id)
    return render(
        request,
        "worksheets/survey/team.html",
        {
            "team": team,
            "views": [selectors.survey_window_view(window=w) for w in windows],
            "breakdowns": selectors.survey_team_breakdowns(windows=windows),
            "schedule": selectors.survey_schedule_view(team=team, today=today),
            "can_run": can_run,
            "form": form,
            "error_summary": error_summary(form),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def survey_schedule(request: HttpRequest, public_id: str) -> HttpResponse:
    """The team's CQI lead has its survey open each month on a schedule, or stops it."""
    team = _team(request, public_id)
    access.require(request.user, access.Action.RUN_SURVEY, team)
    schedule = selectors.survey_schedule_of(team=team)
    if request.method == "POST" and "stop" in request.POST:
        if services.survey_schedule_stop(actor=request.user, team=team):
            messages.success(
                request, "The survey no longer opens on a schedule. Months already open stay open."
            )
        return redirect("survey-team", public_id=team.public_id)
    initial = {"day": 1, "days_open": 14, "staff_count": None}
    if schedule is not None:
        initial = {"day": schedule.day, "days_open": schedule.days_open, "staff_count": schedule.staff_count}
    form = forms.ScheduleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            schedule, opened = services.survey_schedule_set(
                actor=request.user, team=team, today=timezone.localdate(), **form.cleaned_data
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            if opened is not None:
                messages.success(
                    request,
                    f"Saved. The survey of {opened.month:%B %Y} is due now, so it opened: hand out its links.",
                )
                return redirect("survey-window-links", public_id=opened.public_id)
            messages.success(
                request, "Saved. You will get a notification with each month's links page as it opens."
            )
            return redirect("survey-team", public_id=team.public_id)
    return render(
        request,
        "worksheets/survey/schedule.html",
        {"team": team, "schedule": schedule, "form": form, "error_summary": error_summary(form)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def survey_window(request: HttpRequest, public_id: str) -> HttpResponse:
    """One survey month: the response rate while open, results and comments once closed (if allowed)."""
    window = _window(request, public_id)
    can_run = access.can(request.user, access.Action.RUN_SURVEY, window.team)
    if request.method == "POST":
        access.require(request.user, access.Action.RUN_SURVEY, window.team)
    form = forms.WindowUpdateForm(
        request.POST or None, initial={"staff_count": window.staff_count, "closes_on": window.closes_on}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.survey_window_update(actor=request.user, window=window, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "Saved.")
            return redirect("survey-window", public_id=window.public_id)
    return render(
        request,
        "worksheets/survey/window.html",
        {
            "view": selectors.survey_window_view(window=window),
            "team": window.team,
            "can_run": can_run,
            "form": form,
            "error_summary": error_summary(form),
            "respond_open": window.opens_on <= timezone.localdate() <= window.closes_on,
        },
    )


def _qr_svg(url: str) -> str:
    """An inline SVG QR code of `url` (segno, drawn server-side: no script, no third-party service)."""
    return segno.make(url, error="m").svg_inline(scale=3, border=2, omitsize=True)


@login_required
@require_http_methods(["GET", "POST"])
def survey_window_links(request: HttpRequest, public_id: str) -> HttpResponse:
    """A printable sheet of new single-use links with QR codes; the links are shown this once only."""
    window = _window(request, public_id)
    access.require(request.user, access.Action.RUN_SURVEY, window.team)
    form = forms.LinksForm(request.POST or None, initial={"count": window.staff_count})
    if request.method == "POST" and form.is_valid():
        try:
            tokens = services.survey_links_issue(
                actor=request.user, window=window, count=form.cleaned_data["count"]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            urls = [services.survey_link_url(t) for t in tokens]
            return render(
                request,
                "worksheets/survey/link_sheet.html",
                {"window": window, "team": window.team, "links": [(u, _qr_svg(u)) for u in urls]},
            )
    return render(
        request,
        "worksheets/survey/links.html",
        {
            "window": window,
            "team": window.team,
            "form": form,
            "email_form": forms.EmailLinksForm(),
            "error_summary": error_summary(form),
        },
    )


@login_required
@require_POST
def survey_window_email(request: HttpRequest, public_id: str) -> HttpResponse:
    window = _window(request, public_id)
    access.require(request.user, access.Action.RUN_SURVEY, window.team)
    form = forms.EmailLinksForm(request.POST)
    if form.is_valid():
        try:
            addresses = services.addresses_parse(form.cleaned_data["addresses"])
            sent = services.survey_links_email(actor=request.user, window=window, addresses=addresses)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"Sent {sent} links. The addresses were not kept.")
            return redirect("survey-window", public_id=window.public_id)
    return render(
        request,
        "worksheets/survey/links.html",
        {
            "window": window,
            "team": window.team,
            "form": forms.LinksForm(initial={"count": window.staff_count}),
            "email_form": form,
            "error_summary": error_summary(form),
        },
        status=400,
    )


@login_required
@require_POST
def survey_window_close(request: HttpRequest, public_id: str) -> HttpResponse:
    window = _window(request, public_id)
    access.require(request.user, access.Action.RUN_SURVEY, window.team)
    closed = services.survey_window_close(window_id=window.id, actor=request.user, today=timezone.localdate())
    if closed is None:
        messages.info(request, "This survey month was already closed.")
    else:
        messages.success(request, f"Closed. {closed.outcome}")
    return redirect("survey-window", public_id=window.public_id)


# --- the public page a link opens ---


def _language(request: HttpRequest) -> str:
    chosen = request.POST.get("lang") or request.GET.get("lang")
    if chosen in ("en", "es"):
        return chosen
    return "es" if translation.get_language_from_request(request).startswith("es") else "en"


def _over_rate_limit(request: HttpRequest) -> bool:
    """Count this address's requests to the survey page in the last hour, in the web process's memory.

    The address is kept as a salted hash, for an hour, in memory only: never in the database, never
    beside a response. Each gunicorn worker keeps its own count (as the API's budgets): the limit a
    client meets is this setting × the number of workers.
    """
    address = request.META.get("REMOTE_ADDR", "")
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:survey:{address}".encode()).hexdigest()[:40]
    key = f"survey-rate:{digest}"
    counter = caches["throttle"]
    if counter.add(key, 1, timeout=3600):
        return False  # the first request; the limit is at least 1
    try:
        count = counter.incr(key)
    except ValueError:  # expired between add and incr
        counter.set(key, 1, timeout=3600)
        count = 1
    return count > settings.SURVEY_REQUESTS_PER_ADDRESS


# A month's questions never change once it is open (`SurveyWindow.items`), so each web process renders
# them blank once per month and language, not once per respondent. Bounded: emptied when full.
_BLANK_QUESTIONS: dict[tuple[int, str], str] = {}
_BLANK_QUESTIONS_MAX = 256


def _blank_questions(window: SurveyWindow, language: str) -> str:
    key = (window.id, language)
    html = _BLANK_QUESTIONS.get(key)
    if html is None:
        form = forms.ResponseForm(items=window.items, language=language)
        html = render_to_string("worksheets/survey/_questions.html", {"form": form})
        if len(_BLANK_QUESTIONS) >= _BLANK_QUESTIONS_MAX:
            _BLANK_QUESTIONS.clear()
        _BLANK_QUESTIONS[key] = html
    return html


@csrf_exempt
@require_http_methods(["GET", "POST"])
def survey_respond(request: HttpRequest, token: str) -> HttpResponse:
    """No account: the link is the credential. Every unusable link gets the same page.

    No CSRF token or cookie: the link's token, in the URL the form posts to, is already a secret a
    forging site cannot know (whoever knows it can answer with it directly), so a CSRF token would
    add nothing, and without it the page leaves no cookie at all on the respondent's phone and
    spends no time making and checking one (docs/survey.md).
    """
    language = _language(request)
    with translation.override(language):
        other = "en" if language == "es" else "es"
        context: dict[str, Any] = {"language": language, "other": other}
        if _over_rate_limit(request):
            return render(
                request, "worksheets/survey/respond_message.html", context | {"kind": "busy"}, status=429
            )
        today = timezone.localdate()
        try:
            window = services.survey_link_window(token=token, today=today)
        except services.LinkAlreadyUsed:
            return render(request, "worksheets/survey/respond_message.html", context | {"kind": "used"})
        except services.LinkNotUsable:
            return render(
                request, "worksheets/survey/respond_message.html", context | {"kind": "invalid"}, status=404
            )
        form = forms.ResponseForm(request.POST or None, items=window.items, language=language)
        if request.method == "POST" and form.is_valid():
            try:
                services.survey_response_submit(
                    token=token,
                    answers=form.answers(),
                    role=form.cleaned_data["role"],
                    comment=form.cleaned_data["comment"],
                    today=today,
                    window=window,
                )
            except services.LinkAlreadyUsed:
                return render(request, "worksheets/survey/respond_message.html", context | {"kind": "used"})
            except services.LinkNotUsable:
                return render(
                    request,
                    "worksheets/survey/respond_message.html",
                    context | {"kind": "invalid"},
                    status=404,
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                return render(request, "worksheets/survey/respond_message.html", context | {"kind": "thanks"})
        return render(
            request,
            "worksheets/survey/respond.html",
            context
            | {
                "form": form,
                "window": window,
                "error_summary": error_summary(form),
                "switch_url": f"{request.path}?lang={other}",
                "questions": _blank_questions(window, language) if request.method == "GET" else "",
            },
            status=400 if form.errors else 200,
        )
