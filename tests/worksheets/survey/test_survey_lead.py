"""The CQI lead opens a month, hands out links (a printable sheet, or email to addresses not kept) and
watches the response rate; dates and counts are checked with field-named errors."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from worksheets.models import SurveyLink, SurveyWindow
from worksheets.survey import dates, services
from worksheets.survey.tokens import token_hash

from .conftest import ALL_TOP, MONTH, answer


def _windows():
    return SurveyWindow.objects.unscoped(reason="test")


def test_the_lead_opens_a_month_with_todays_questions(survey):
    window = survey.window
    assert (window.team_id, window.month, window.staff_count, window.min_responses, window.status) == (
        survey.world.team_a1.id,
        MONTH,
        12,
        5,
        "open",
    )
    assert [i["code"] for i in window.items] == [
        "supported",
        "reflective-supervision",
        "work-life-balance",
        "wellbeing",
    ]
    assert window.items[0]["measure_id"] == survey.measures["supported"].id


def test_a_team_member_may_not_open_a_month(survey):
    with pytest.raises(PermissionDenied):
        services.survey_window_open(
            actor=survey.world.bob,
            team=survey.world.team_a1,
            month=dt.date(2025, 4, 1),
            opens_on=dt.date(2025, 4, 1),
            closes_on=dt.date(2025, 4, 30),
            staff_count=5,
        )


@pytest.mark.parametrize(
    ("month", "opens_on", "closes_on", "field"),
    [
        (dt.date(2024, 3, 1), dt.date(2024, 3, 1), dt.date(2024, 3, 31), "month"),
        (dt.date(2025, 4, 1), dt.date(2025, 3, 25), dt.date(2025, 4, 30), "opens_on"),
        (dt.date(2025, 4, 1), dt.date(2025, 4, 10), dt.date(2025, 4, 5), "closes_on"),
        (dt.date(2025, 4, 1), dt.date(2025, 4, 1), dt.date(2025, 6, 1), "closes_on"),
    ],
)
def test_bad_dates_name_their_field_and_open_nothing(survey, month, opens_on, closes_on, field):
    with pytest.raises(ValidationError) as info:
        services.survey_window_open(
            actor=survey.world.alice,
            team=survey.world.team_a1,
            month=month,
            opens_on=opens_on,
            closes_on=closes_on,
            staff_count=5,
        )
    assert field in info.value.message_dict
    assert _windows().count() == 1


def test_a_second_window_for_the_same_month_is_refused(survey):
    with pytest.raises(ValidationError) as info:
        services.survey_window_open(
            actor=survey.world.alice,
            team=survey.world.team_a1,
            month=MONTH,
            opens_on=MONTH,
            closes_on=dt.date(2025, 3, 31),
            staff_count=5,
        )
    assert "__all__" in info.value.message_dict


def test_links_are_kept_only_as_hashes(survey):
    tokens = services.survey_links_issue(actor=survey.world.alice, window=survey.window, count=3)
    stored = set(SurveyLink.objects.unscoped(reason="test").values_list("token_hash", flat=True))
    assert stored == {token_hash(t) for t in tokens}
    assert len(set(tokens)) == 3 and all(len(t) == 24 for t in tokens)


def test_the_printable_sheet_shows_each_link_with_a_qr_code(client, survey):
    client.force_login(survey.world.alice)
    response = client.post(f"/survey-months/{survey.window.public_id}/links/", {"count": "4"})
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("<svg") == 4
    assert page.count('class="link-url') == 4
    hashes = set(SurveyLink.objects.unscoped(reason="test").values_list("token_hash", flat=True))
    shown = {line.split("/s/")[1].split("/")[0] for line in page.splitlines() if 'class="link-url' in line}
    assert {token_hash(t) for t in shown} == hashes


def test_too_many_links_at_once_names_the_field(client, survey):
    client.force_login(survey.world.alice)
    response = client.post(f"/survey-months/{survey.window.public_id}/links/", {"count": "500"})
    assert response.status_code == 200
    assert 'href="#id_count"' in response.content.decode()
    assert not SurveyLink.objects.unscoped(reason="test").exists()


def test_emailed_links_go_one_per_address_and_the_addresses_are_not_kept(client, survey, mailoutbox):
    client.force_login(survey.world.alice)
    addresses = ["ana.staff@example.org", "beth.staff@example.org"]
    response = client.post(
        f"/survey-months/{survey.window.public_id}/email/", {"addresses": "\n".join(addresses)}
    )
    assert response.status_code == 302
    assert sorted(m.to[0] for m in mailoutbox) == addresses
    urls = [line for m in mailoutbox for line in m.body.splitlines() if line.startswith("Answer by")]
    assert len(set(urls)) == 2
    assert SurveyLink.objects.unscoped(reason="test").count() == 2
    from django.db import connection

    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (table names come from the schema)
            for row in cursor.fetchall():
                assert not any("staff@example.org" in str(value) for value in row), table


def test_a_bad_address_names_the_field_and_sends_nothing(client, survey, mailoutbox):
    client.force_login(survey.world.alice)
    response = client.post(
        f"/survey-months/{survey.window.public_id}/email/", {"addresses": "ana@example.org, nope"}
    )
    assert response.status_code == 400
    assert "Not an email address: nope." in response.content.decode()
    assert mailoutbox == []
    assert not SurveyLink.objects.unscoped(reason="test").exists()


def test_the_lead_sees_the_response_rate_rise_while_open_and_no_results(client, survey):
    client.force_login(survey.world.alice)
    url = f"/survey-months/{survey.window.public_id}/"
    assert "0 of 12 staff have answered" in client.get(url).content.decode()
    for _ in range(6):
        answer(survey.window, ALL_TOP)
    page = client.get(url).content.decode()
    assert "6 of 12 staff have answered" in page and ">50%<" in page
    assert "Results appear when the survey month closes." in page
    assert "(6 of 6)" not in page


def test_the_lead_changes_the_staff_count_while_open(client, survey):
    client.force_login(survey.world.alice)
    response = client.post(
        f"/survey-months/{survey.window.public_id}/", {"staff_count": "15", "closes_on": "2025-04-15"}
    )
    assert response.status_code == 302
    window = _windows().get()
    assert (window.staff_count, window.closes_on) == (15, dt.date(2025, 4, 15))


def test_open_form_on_the_team_page_opens_a_month_and_leads_to_its_links(client, survey):
    client.force_login(survey.world.alice)
    today = timezone.localdate()
    response = client.post(
        f"/teams/{survey.world.team_a1.public_id}/survey/",
        {
            "month": f"{today:%Y-%m}",
            "opens_on": f"{today:%Y-%m-%d}",
            "closes_on": f"{dates.month_last_day(today):%Y-%m-%d}",
            "staff_count": "8",
        },
    )
    window = _windows().get(month=today.replace(day=1))
    assert response.status_code == 302 and response.url == f"/survey-months/{window.public_id}/links/"


def test_the_team_page_lists_the_newest_month_first_and_offers_its_staff_count(client, survey):
    services.survey_window_open(
        actor=survey.world.alice,
        team=survey.world.team_a1,
        month=dt.date(2025, 4, 1),
        opens_on=dt.date(2025, 4, 1),
        closes_on=dt.date(2025, 4, 30),
        staff_count=7,
    )
    client.force_login(survey.world.alice)
    page = client.get(f"/teams/{survey.world.team_a1.public_id}/survey/").content.decode()
    assert page.index("April 2025") < page.index("March 2025")
    assert 'name="staff_count" value="7"' in page
