"""Anonymity by construction: after 50 responses through the public page, no table holds a column that
could join a response (or a comment) to a person or to a link, and no token, address or browser string
was written anywhere."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from worksheets.models import SurveyComment, SurveyLink, SurveyResponse
from worksheets.survey import dates, services

ADDRESS = "198.51.100.23"
AGENT = "SurveyPhone/1.0 (respondent-marker)"
ROLES = ["home_visitor", "supervisor", ""]


@pytest.fixture
def fifty(client, survey):
    today = timezone.localdate()
    window = services.survey_window_open(
        actor=survey.world.alice,
        team=survey.world.team_a1,
        month=today.replace(day=1),
        opens_on=today,
        closes_on=dates.month_last_day(today),
        staff_count=60,
    )
    tokens = services.survey_links_issue(actor=survey.world.alice, window=window, count=50)
    for i, token in enumerate(tokens):
        response = client.post(
            f"/s/{token}/",
            {
                "q_supported": "always" if i % 2 else "often",
                "q_reflective-supervision": "always",
                "q_work-life-balance": "never",
                "q_wellbeing": "better",
                "role": ROLES[i % 3],
                "comment": f"comment number {i}" if i % 5 == 0 else "",
            },
            REMOTE_ADDR=ADDRESS,
            HTTP_USER_AGENT=AGENT,
        )
        assert response.status_code == 200
    assert SurveyResponse.objects.unscoped(reason="test").count() == 50
    return tokens


def _columns(model) -> dict[str, str]:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        described = connection.introspection.get_table_description(cursor, table)
    return {c.name: c.type_code for c in described}


def _foreign_keys() -> list[tuple[str, str, str]]:
    """(table, column, referenced table) for every foreign key in the database."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            for column, (_, other) in connection.introspection.get_relations(cursor, table).items():
                found.append((table, column, other))
    return found


def test_no_column_anywhere_can_join_a_response_to_a_person_or_a_link(fifty):
    response_table = SurveyResponse._meta.db_table
    comment_table = SurveyComment._meta.db_table
    link_table = SurveyLink._meta.db_table
    assert set(_columns(SurveyResponse)) == {"id", "window_id", "team_id", "role", "answers", "submitted_on"}
    assert set(_columns(SurveyComment)) == {"id", "window_id", "team_id", "text"}
    assert set(_columns(SurveyLink)) == {"id", "window_id", "team_id", "token_hash", "used"}
    fks = _foreign_keys()
    # Nothing points at a response, a comment or a link ...
    assert [fk for fk in fks if fk[2] in (response_table, comment_table, link_table)] == []
    # ... and they point only at their month and team, never at a person.
    window_table = "worksheets_surveywindow"
    team_table = "collaboratives_team"
    for table in (response_table, comment_table, link_table):
        assert {(c, o) for t, c, o in fks if t == table} == {
            ("window_id", window_table),
            ("team_id", team_table),
        }
    # The month points at its team only: no person opened, closed or recorded it in a column.
    assert {(c, o) for t, c, o in fks if t == window_table} == {("team_id", team_table)}
    # The only shared columns of a response and a link are their month and team: 50 responses, 50 links.
    shared = set(_columns(SurveyResponse)) & set(_columns(SurveyLink)) - {"id"}
    assert shared == {"window_id", "team_id"}
    days = set(SurveyResponse.objects.unscoped(reason="test").values_list("submitted_on", flat=True))
    assert days == {timezone.localdate()} and all(type(d) is dt.date for d in days)


def test_no_token_address_or_browser_string_was_written_to_any_table(fifty):
    needles = [*fifty, ADDRESS, AGENT]
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (table names come from the schema)
            for row in cursor.fetchall():
                text = " ".join(str(v) for v in row)
                assert not any(needle in text for needle in needles), table


def test_response_keys_say_nothing_of_the_order_of_answers(fifty):
    ids = [r.id for r in SurveyResponse.objects.unscoped(reason="test").all()]
    assert all(i.version == 4 for i in ids)
    assert len(set(ids)) == 50
