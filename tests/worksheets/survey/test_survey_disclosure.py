"""Who sees what of the survey: nothing under the threshold (leads and admins included), no results while
open, comments only with shown results and never beside a breakdown, breakdowns only where every role
group and its complement reach the threshold, and no hidden team recoverable from a total."""

import datetime as dt

import pytest

from worksheets.survey import disclosure, services

from .conftest import ALL_TOP, MONTH, NONE_TOP, answer, open_window

AFTER = dt.date(2025, 4, 1)
SETTLED = dt.date(2025, 5, 1)  # March can no longer change: no team may add or keep a March window


@pytest.mark.parametrize(
    ("groups", "shown"),
    [
        ({"home_visitor": 5, "supervisor": 5}, True),
        ({"home_visitor": 9, "supervisor": 4}, False),  # the 4 supervisors
        ({"home_visitor": 5, "supervisor": 5, "": 1}, False),  # the one who did not say
        ({"home_visitor": 10}, False),  # splits nothing
        ({"home_visitor": 6, "supervisor": 5, "": 5}, True),
        ({"home_visitor": 4, "supervisor": 0}, False),
    ],
)
def test_breakdown_rule(groups, shown):
    assert disclosure.breakdown_shown(groups, 5) is shown


@pytest.mark.parametrize(
    ("n", "k", "shown"), [(4, 5, False), (5, 5, True), (6, 7, False), (7, 7, True), (0, 5, False)]
)
def test_group_rule(n, k, shown):
    assert disclosure.group_shown(n, k) is shown


def _close(window, responses):
    for answers, role, comment in responses:
        answer(window, answers, role=role, comment=comment)
    services.survey_window_close(window_id=window.id, today=AFTER)


def _window_page(client, user, window):
    client.force_login(user)
    return client.get(f"/survey-months/{window.public_id}/").content.decode()


@pytest.mark.parametrize("who", ["alice", "frank", "root"])
def test_under_the_threshold_no_one_sees_results_or_comments(client, survey, who):
    _close(survey.window, [(ALL_TOP, "", "We need more time")] * 4)
    page = _window_page(client, getattr(survey.world, who), survey.window)
    assert "4 of 12 staff have answered" in page
    assert "Fewer than 5 responses: results are not shown" in page
    assert "(4 of 4)" not in page and "We need more time" not in page


def test_from_the_threshold_up_results_and_comments_are_shown_comments_sorted(client, survey):
    _close(
        survey.window,
        [(ALL_TOP, "", "Zebra stripes"), (ALL_TOP, "", "apples"), (NONE_TOP, "", "Mentoring helps")]
        + [(NONE_TOP, "", "")] * 2,
    )
    page = _window_page(client, survey.world.frank, survey.window)
    assert "40% <span" in page and "(2 of 5)" in page
    assert page.index("Mentoring helps") < page.index("Zebra stripes") < page.index("apples")
    assert "By role" not in page


def test_a_raised_threshold_applies_to_months_opened_after(client, survey):
    instrument = services.survey_instrument_ensure(collaborative=survey.world.one)
    services.survey_instrument_update(actor=survey.world.frank, instrument=instrument, min_responses=7)
    april = open_window(survey.world, survey.world.team_a1, month=AFTER)
    for _ in range(6):
        answer(april, ALL_TOP)
    services.survey_window_close(window_id=april.id, today=dt.date(2025, 5, 1))
    page = _window_page(client, survey.world.alice, april)
    assert "Fewer than 7 responses" in page and "(6 of 6)" not in page


def _three_teams(survey):
    """A1: 6 responses (shown); B1: 3 (hidden); C1: 5 (shown), in March 2025."""
    w = survey.world
    b1, c1 = open_window(w, w.team_b1), open_window(w, w.team_c1)
    _close(survey.window, [(ALL_TOP, "home_visitor", "")] * 3 + [(NONE_TOP, "supervisor", "")] * 3)
    _close(b1, [(ALL_TOP, "supervisor", "B1 secret comment")] * 3)
    _close(c1, [(NONE_TOP, "home_visitor", "")] * 3 + [(ALL_TOP, "supervisor", "")] * 2)
    return b1, c1


def test_a_hidden_team_is_left_out_of_the_collaborative_total(client, survey):
    _three_teams(survey)
    client.force_login(survey.world.frank)
    page = client.get(f"/collaboratives/{survey.world.one.public_id}/survey/").content.decode()
    # Total over A1 and C1 only: 11 responses, 5 counted; minus the two team rows shown leaves nothing of B1.
    assert "March 2025: 11 responses from 2 teams" in page
    assert "(5 of 11)" in page and "(3 of 6)" in page and "(2 of 5)" in page
    assert "Agency B" not in page and "B1 secret comment" not in page


def test_a_peer_sees_the_total_and_only_its_own_team_whose_difference_is_a_shown_team(client, survey):
    _three_teams(survey)
    client.force_login(survey.world.charlie)  # LIA C's member: sees C1 only
    page = client.get(f"/collaboratives/{survey.world.one.public_id}/survey/").content.decode()
    assert "(5 of 11)" in page and "Agency C: 5 responses" in page and "(2 of 5)" in page
    assert "Agency A" not in page and "Agency B" not in page


def test_no_breakdown_while_a_group_or_its_complement_is_under_the_threshold(client, survey):
    _three_teams(survey)  # supervisors 5, home visitors 6 over A1 and C1: both ≥ 5
    client.force_login(survey.world.frank)
    url = f"/collaboratives/{survey.world.one.public_id}/survey/"
    page = client.get(url).content.decode()
    assert "By role" in page and "Supervisor: 5 responses" in page and "Home visitor: 6 responses" in page


def test_a_one_person_group_blocks_the_breakdown(client, survey):
    w = survey.world
    c1 = open_window(w, w.team_c1)
    _close(survey.window, [(ALL_TOP, "home_visitor", "")] * 5 + [(ALL_TOP, "", "")])
    _close(c1, [(NONE_TOP, "supervisor", "")] * 5)
    client.force_login(w.frank)
    page = client.get(f"/collaboratives/{w.one.public_id}/survey/").content.decode()
    assert "By role" not in page
    assert "No breakdown by role: each role, and everyone else, must have at least 5 responses." in page


def test_comments_never_appear_beside_a_breakdown(client, survey):
    _three_teams(survey)
    answer_window = survey.window
    client.force_login(survey.world.frank)
    results = client.get(f"/collaboratives/{survey.world.one.public_id}/survey/").content.decode()
    assert "By role" in results and "Comments" not in results
    window_page = client.get(f"/survey-months/{answer_window.public_id}/").content.decode()
    assert "Comments" in window_page and "By role" not in window_page


def test_a_month_still_open_somewhere_shows_no_breakdown(client, survey):
    _three_teams(survey)
    open_window(survey.world, survey.world.team_a2, month=MONTH)  # another collaborative: no effect
    services.survey_window_open(
        actor=survey.world.root,
        team=survey.world.team_c1,
        month=AFTER,
        opens_on=AFTER,
        closes_on=dt.date(2025, 4, 30),
        staff_count=5,
    )
    client.force_login(survey.world.frank)
    page = client.get(f"/collaboratives/{survey.world.one.public_id}/survey/").content.decode()
    assert "By role" in page  # April's open window does not hold back March


def test_a_month_with_a_window_still_open_shows_no_breakdown_yet(client, survey):
    from tests.factories import TeamFactory

    _three_teams(survey)
    late = TeamFactory(collaborative=survey.world.one, lia=survey.world.lia_d)
    open_window(survey.world, late, month=MONTH)
    client.force_login(survey.world.frank)
    page = client.get(f"/collaboratives/{survey.world.one.public_id}/survey/").content.decode()
    assert "By role" not in page
    assert "The breakdown by role appears once every survey of the month has closed for good." in page


@pytest.mark.parametrize(
    ("groups", "parts", "shown"),
    [
        ({"home_visitor": 10, "supervisor": 10}, [], True),
        ({"home_visitor": 10, "supervisor": 10}, [{"home_visitor": 5, "supervisor": 5}], True),
        # Taking away a team's 5 supervisors leaves another team's 2: hidden.
        ({"home_visitor": 10, "supervisor": 7}, [{"home_visitor": 5, "supervisor": 5}], False),
        # Every team's breakdown is shown on its own: nothing is left to work out.
        ({"home_visitor": 10, "supervisor": 10}, [{"home_visitor": 5, "supervisor": 5}] * 2, True),
        # What is left is one role only: its complement (0) is under 5.
        ({"home_visitor": 11, "supervisor": 5}, [{"home_visitor": 5, "supervisor": 5}], False),
        ({"home_visitor": 9, "supervisor": 4}, [], False),
    ],
)
def test_pooled_breakdown_rule(groups, parts, shown):
    assert disclosure.pooled_breakdown_shown(groups, parts, 5) is shown


def _team_page(client, user, team):
    client.force_login(user)
    return client.get(f"/teams/{team.public_id}/survey/").content.decode()


@pytest.mark.parametrize(
    ("roles", "shown"),
    [
        ({"home_visitor": 5, "supervisor": 5}, True),
        ({"home_visitor": 5, "supervisor": 4}, False),  # 4 supervisors
        ({"home_visitor": 4, "supervisor": 5}, False),  # 4 home visitors: the supervisors' complement
        ({"home_visitor": 5, "supervisor": 5, "": 1}, False),  # the one who did not say
        ({"home_visitor": 10}, False),  # splits nothing: its complement is empty
    ],
)
@pytest.mark.parametrize("who", ["alice", "bob", "frank", "root"])
def test_a_team_month_is_broken_down_by_role_only_when_each_role_and_its_complement_reach_5(
    client, survey, roles, shown, who
):
    responses = [
        (ALL_TOP if role == "supervisor" else NONE_TOP, role, "A comment")
        for role, n in roles.items()
        for _ in range(n)
    ]
    _close(survey.window, responses)
    page = _team_page(client, getattr(survey.world, who), survey.world.team_a1)
    assert ("Supervisor: 5 responses" in page and "Home visitor: 5 responses" in page) is shown
    assert ("By role" in page) is True  # the month is listed, with its breakdown or the reason there is none
    if shown:
        assert "100% <span" in page and "(5 of 5)" in page and "0% <span" in page
    else:
        assert "No breakdown by role: each role, and everyone else, must have at least 5 responses." in page
        assert "Supervisor: 4" not in page and "Home visitor: 4" not in page
    assert "A comment" not in page  # comments stay on the month's own page, away from any breakdown


def test_a_team_month_under_the_threshold_has_no_breakdown_section(client, survey):
    _close(survey.window, [(ALL_TOP, "home_visitor", "")] * 2 + [(NONE_TOP, "supervisor", "")] * 2)
    page = _team_page(client, survey.world.alice, survey.world.team_a1)
    assert "By role" not in page and "Supervisor:" not in page


def _attack_setup(survey):
    """A1: 5 home visitors + 5 supervisors (its own breakdown is shown). C1: 5 home visitors + 2
    supervisors (7 responses: its total is shown, its breakdown is not). Over both, 10 and 7: each role
    and its complement reach 5, so the collaborative's breakdown alone would pass the plain rule."""
    w = survey.world
    c1 = open_window(w, w.team_c1)
    _close(survey.window, [(NONE_TOP, "home_visitor", "")] * 5 + [(ALL_TOP, "supervisor", "")] * 5)
    _close(c1, [(NONE_TOP, "home_visitor", "")] * 5 + [(ALL_TOP, "supervisor", "")] * 2)
    return c1


def _seen(items):
    return (items[0].n, tuple(i.top for i in items))


def _everything_anyone_sees(world, today):
    """The union of what every user can read of ONE's survey, through the reads every page uses."""
    from django.contrib.auth import get_user_model

    from collaboratives.models import Team
    from worksheets.survey import selectors

    totals, team_totals, breakdowns, team_breakdowns = {}, {}, {}, {}
    for user in get_user_model().objects.all():
        for month in selectors.survey_collaborative_results(user=user, collaborative=world.one, today=today):
            totals[month.month] = _seen(month.items)
            for row in month.rows:
                team_totals[(month.month, row.team.id)] = _seen(row.items)
            if month.breakdown:
                breakdowns[month.month] = {role: _seen(items) for role, items in month.breakdown.items()}
        for team in Team.objects.visible_to(user).filter(collaborative=world.one):
            windows = list(selectors.survey_window_list(user=user, team=team))
            for view in map(lambda w: selectors.survey_window_view(window=w), windows):
                if view.shown:
                    team_totals[(view.window.month, team.id)] = _seen(view.items)
            for b in selectors.survey_team_breakdowns(windows=windows):
                if b.groups:
                    team_breakdowns[(b.window.month, team.id)] = {
                        role: _seen(items) for role, items in b.groups.items()
                    }
    return totals, team_totals, breakdowns, team_breakdowns


def _left_after_subtracting(whole, parts):
    n, tops = whole
    for part_n, part_tops in parts:
        n -= part_n
        tops = tuple(t - p for t, p in zip(tops, part_tops, strict=True))
    return n, tops


def test_attacker_subtracting_every_shown_figure_recovers_no_group_under_the_threshold(survey):
    """Every subtraction anyone could make of what anyone is shown — the collaborative's total minus
    the teams shown, its breakdown by role minus the teams' breakdowns — leaves nothing, or a group of at
    least 5. In particular C1's 2 supervisors are never recoverable."""
    _attack_setup(survey)
    totals, team_totals, breakdowns, team_breakdowns = _everything_anyone_sees(survey.world, SETTLED)
    assert totals == {MONTH: (17, (7, 7, 7, 7))}  # A1 and C1: both reach the threshold
    assert set(team_breakdowns) == {(MONTH, survey.world.team_a1.id)}  # C1's 2 supervisors: not shown
    for month, whole in totals.items():
        n, _ = _left_after_subtracting(whole, [v for (m, _), v in team_totals.items() if m == month])
        assert n == 0 or n >= 5
    assert breakdowns == {}, "10 home visitors and 7 supervisors, minus A1's 5 and 5, would leave C1's 2"
    for month, roles in breakdowns.items():
        shown_teams = [v for (m, _), v in team_breakdowns.items() if m == month]
        for role, whole in roles.items():
            n, _ = _left_after_subtracting(whole, [t[role] for t in shown_teams if role in t])
            assert n == 0 or n >= 5


def test_the_collaborative_says_why_a_breakdown_that_subtraction_would_undo_is_not_shown(client, survey):
    _attack_setup(survey)
    client.force_login(survey.world.frank)
    page = client.get(f"/collaboratives/{survey.world.one.public_id}/survey/").content.decode()
    assert "Supervisor: 7 responses" not in page
    assert (
        "No breakdown by role: taking away the teams&#x27; own breakdowns, each role of the other teams, "
        "and everyone else, must have at least 5 responses." in page
    )
    team_page = _team_page(client, survey.world.frank, survey.world.team_a1)
    assert "Supervisor: 5 responses" in team_page


def test_the_collaborative_breakdown_is_shown_when_what_is_left_reaches_5_per_role(client, survey):
    w = survey.world
    c1 = open_window(w, w.team_c1)
    _close(survey.window, [(NONE_TOP, "home_visitor", "")] * 5 + [(ALL_TOP, "supervisor", "")] * 5)
    _close(c1, [(NONE_TOP, "home_visitor", "")] * 5 + [(ALL_TOP, "supervisor", "")] * 5)
    totals, team_totals, breakdowns, team_breakdowns = _everything_anyone_sees(w, SETTLED)
    assert breakdowns[MONTH]["Supervisor"] == (10, (10, 10, 10, 10))
    assert len(team_breakdowns) == 2
