"""The public page a link opens: no account, English or Spanish, once per link, one plain refusal."""

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from worksheets.models import SurveyComment, SurveyLink, SurveyResponse
from worksheets.survey import dates, services

from .conftest import ALL_TOP


@pytest.fixture
def today_window(survey):
    """Team A1's survey of the current month, open today, with one link."""
    today = timezone.localdate()
    window = services.survey_window_open(
        actor=survey.world.alice,
        team=survey.world.team_a1,
        month=today.replace(day=1),
        opens_on=today,
        closes_on=dates.month_last_day(today),
        staff_count=10,
    )
    (token,) = services.survey_links_issue(actor=survey.world.alice, window=window, count=1)
    return window, token


def _post(answers=ALL_TOP):
    return {f"q_{code}": value for code, value in answers.items()}


def _responses():
    return SurveyResponse.objects.unscoped(reason="test")


def test_the_page_asks_the_windows_questions_in_spanish(client, today_window):
    _, token = today_window
    page = client.get(f"/s/{token}/?lang=es").content.decode()
    assert '<html lang="es">' in page
    assert "¿Con qué frecuencia se siente apoyado o apoyada" in page
    assert "Siempre" in page and "Enviar mis respuestas" in page
    assert "Su función (opcional)" in page


def test_a_spanish_browser_gets_spanish_without_asking(client, today_window):
    _, token = today_window
    page = client.get(f"/s/{token}/", headers={"accept-language": "es-MX,es;q=0.9"}).content.decode()
    assert "Enviar mis respuestas" in page


def test_an_answer_is_saved_with_the_day_only_and_the_link_is_spent(client, today_window):
    window, token = today_window
    response = client.post(f"/s/{token}/", _post() | {"role": "supervisor", "comment": " Huddles help. "})
    assert response.status_code == 200
    assert "Your answers were saved" in response.content.decode()
    saved = _responses().get()
    assert (saved.window_id, saved.role, saved.answers, saved.submitted_on) == (
        window.id,
        "supervisor",
        ALL_TOP,
        timezone.localdate(),
    )
    assert list(SurveyComment.objects.unscoped(reason="test").values_list("text", flat=True)) == [
        "Huddles help."
    ]
    assert SurveyLink.objects.unscoped(reason="test").get().used is True


def test_a_reused_link_says_already_answered_and_saves_nothing(client, today_window):
    _, token = today_window
    client.post(f"/s/{token}/", _post())
    again = client.post(f"/s/{token}/", _post() | {"comment": "second"})
    assert again.status_code == 200
    assert "Already answered" in again.content.decode()
    assert _responses().count() == 1
    assert not SurveyComment.objects.unscoped(reason="test").exists()
    assert "Already answered" in client.get(f"/s/{token}/").content.decode()


def test_a_missing_answer_names_the_question_and_saves_nothing(client, today_window):
    _, token = today_window
    answers = dict(ALL_TOP)
    del answers["wellbeing"]
    response = client.post(f"/s/{token}/?lang=es", _post(answers) | {"lang": "es"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'href="#id_q_wellbeing_0"' in page and "Elija una respuesta." in page
    assert not _responses().exists()
    assert SurveyLink.objects.unscoped(reason="test").get().used is False


def test_an_answer_outside_the_scale_is_refused(client, today_window):
    _, token = today_window
    response = client.post(f"/s/{token}/", _post(ALL_TOP | {"supported": "100"}))
    assert response.status_code == 400
    assert not _responses().exists()


def test_altered_closed_and_expired_links_get_the_same_plain_page(client, survey, today_window):
    window, token = today_window
    altered = client.get(f"/s/{token[:-1]}{'A' if token[-1] != 'A' else 'B'}/")
    old = survey.window  # March 2025: its last day has passed
    (expired_token,) = services.survey_links_issue(actor=survey.world.alice, window=old, count=1)
    expired = client.get(f"/s/{expired_token}/")
    services.survey_window_close(window_id=window.id, today=timezone.localdate(), actor=survey.world.alice)
    closed = client.post(f"/s/{token}/", _post())
    bodies = {r.content for r in (altered, expired, closed)}
    assert [r.status_code for r in (altered, expired, closed)] == [404, 404, 404]
    assert len(bodies) == 1
    assert b"This link cannot be used" in altered.content
    assert not _responses().exists()


def test_a_scheduled_month_does_not_take_answers_before_it_opens(survey):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    window = services.survey_window_open(
        actor=survey.world.alice,
        team=survey.world.team_a1,
        month=tomorrow.replace(day=1),
        opens_on=tomorrow,
        closes_on=dates.latest_close_day(tomorrow.replace(day=1)),
        staff_count=5,
    )
    (token,) = services.survey_links_issue(actor=survey.world.alice, window=window, count=1)
    with pytest.raises(services.LinkNotUsable):
        services.survey_response_submit(
            token=token, answers=ALL_TOP, role="", comment="", today=tomorrow - dt.timedelta(days=1)
        )
    services.survey_response_submit(token=token, answers=ALL_TOP, role="", comment="", today=tomorrow)
    assert _responses().count() == 1


@override_settings(SURVEY_REQUESTS_PER_ADDRESS=3)
def test_one_address_is_limited_and_told_plainly(client, today_window):
    _, token = today_window
    statuses = [client.get(f"/s/{token}/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.post(f"/s/{token}/", _post())
    assert refused.status_code == 429
    assert "Too many requests" in refused.content.decode()
    assert not _responses().exists()
    other = client.get(f"/s/{token}/", REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 200


def test_a_link_cannot_answer_another_months_window(survey, today_window):
    window, token = today_window
    with pytest.raises(services.LinkNotUsable):
        services.survey_response_submit(
            token=token,
            answers=ALL_TOP,
            role="",
            comment="",
            today=timezone.localdate(),
            window=survey.window,
        )
    assert not _responses().exists()
    assert SurveyLink.objects.unscoped(reason="test").filter(window=window, used=False).count() == 1


def test_a_link_answered_between_reading_and_claiming_says_already_answered(today_window):
    window, token = today_window
    today = timezone.localdate()
    read = services.survey_link_window(token=token, today=today)
    services.survey_response_submit(token=token, answers=ALL_TOP, role="", comment="", today=today)
    with pytest.raises(services.LinkAlreadyUsed):
        services.survey_response_submit(
            token=token, answers=ALL_TOP, role="", comment="", today=today, window=read
        )
    assert _responses().count() == 1


def test_the_page_leaves_no_cookie_and_a_post_needs_no_csrf_token(today_window):
    from django.test import Client

    window, token = today_window
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(f"/s/{token}/")
    assert page.status_code == 200 and not page.cookies
    assert "csrfmiddlewaretoken" not in page.content.decode()
    answered = browser.post(f"/s/{token}/", _post() | {"role": "home_visitor"})
    assert answered.status_code == 200 and "Your answers were saved" in answered.content.decode()
    assert not answered.cookies
    assert _responses().get().window_id == window.id


def test_the_questions_rendered_once_per_month_keep_each_language(client, survey, today_window):
    window, _ = today_window
    english, spanish, again = (
        client.get(f"/s/{t}/{lang}").content.decode()
        for t, lang in zip(
            services.survey_links_issue(actor=survey.world.alice, window=window, count=3),
            ("", "?lang=es", ""),
            strict=True,
        )
    )
    assert "How often do you feel supported" in english and "Siempre" not in english
    assert "¿Con qué frecuencia se siente apoyado o apoyada" in spanish and "Always" not in spanish
    form = slice(english.index("<form"), english.index("</form>"))
    assert again[form] == english[form]  # the second respondent gets the same questions, from the cache
    # A refused submission shows the answers given, not the blank questions.
    (token,) = services.survey_links_issue(actor=survey.world.alice, window=window, count=1)
    refused = client.post(f"/s/{token}/", {"q_supported": "often"}).content.decode()
    assert 'value="often" checked' in refused and "Choose one answer." in refused
