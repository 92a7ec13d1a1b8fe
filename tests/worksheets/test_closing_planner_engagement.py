"""The closing planner's engagement figures come from the learning calendar's attendance."""

import datetime as dt

from collaboratives.learning.services import event_attendance_record
from tests.collaboratives.learning.conftest import schedule
from worksheets.selectors import closing_planner_figures


def test_the_planner_counts_teams_attending_from_the_engagement_measure(world, client):
    january = schedule(world, date=dt.date(2026, 1, 13))[0]
    feb_1, feb_2 = (schedule(world, date=dt.date(2026, 2, d))[0] for d in (10, 24))
    schedule(world, date=dt.date(2026, 3, 10))  # attendance never taken: not counted
    event_attendance_record(actor=world.frank, event=january, teams=[world.team_a1, world.team_c1])
    event_attendance_record(actor=world.frank, event=feb_1, teams=[world.team_a1, world.team_b1])
    event_attendance_record(actor=world.frank, event=feb_2, teams=[])

    figures = closing_planner_figures(
        user=world.erin, collaborative=world.one, awardee=world.north, today=dt.date(2026, 4, 20)
    )

    # North's teams A1 and B1. January: 1 of 2 attended; February: 2 of 2; other months had no event
    # with attendance taken. Average N = 3 / 2 months = 1.5; % = 3 / 4 team-months = 75.
    assert (figures.attending.average, figures.attending.percent) == (1.5, 75)
    # February is within the three months up to April: both attended then.
    assert (figures.teams_engaged, figures.attended_recently) == (2, 2)

    # The page computes on today's date, months after the last event: nobody attended recently.
    client.force_login(world.erin)
    page = client.get(
        f"/collaboratives/{world.one.public_id}/awardees/{world.north.public_id}/closing-planner/"
    ).content.decode()
    assert "<td>2 enrolled</td>" in page
    assert "1.5 teams (75%)" in page


def test_without_attendance_the_planner_says_so(world):
    figures = closing_planner_figures(
        user=world.erin, collaborative=world.one, awardee=world.north, today=dt.date(2026, 4, 20)
    )
    assert figures.attended_recently is None and figures.attending.percent is None
