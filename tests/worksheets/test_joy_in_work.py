"""Joy in Work: private unless shared, team roll-up only from five respondents, plan → draft PDSA cycle."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from collaboratives.models import Aim, ChangeIdea, Driver, Role
from pdsa.models import PDSACycle
from tests.factories import MembershipFactory, UserFactory
from worksheets import definitions
from worksheets.models import Worksheet
from worksheets.selectors import joy_rollup
from worksheets.services import joy_worksheet_save

SAFETY = "Physical & Psychological Safety"
SAFETY_IDEA = definitions.JOY_COMPONENTS[0][2][1]  # "Create an anonymous feedback loop …"


def _answers(rating: str = "Strength", **extra: object) -> dict:
    return {"rating_safety": rating, "rating_meaning": "Moderate Strength", **extra}


def _member(world, n: int):
    user = UserFactory(username=f"member{n}@example.org")
    MembershipFactory(user=user, role=Role.TEAM_MEMBER, lia=world.lia_a)
    return user


def _detail(worksheet: Worksheet) -> str:
    return f"/worksheets/{worksheet.public_id}/"


def test_a_private_worksheet_is_seen_by_its_author_only_not_even_by_staff(world, client):
    worksheet = joy_worksheet_save(
        actor=world.bob, team=world.team_a1, answers=_answers(reflect_resonate="Mine")
    )
    for person, status in [
        ("bob", 200), ("alice", 404), ("erin", 404), ("frank", 404), ("charlie", 404), ("diana", 404), ("root", 404)
    ]:  # fmt: skip
        client.force_login(getattr(world, person))
        response = client.get(_detail(worksheet))
        assert response.status_code == status, person
        if status == 404:
            assert b"Mine" not in response.content


def test_a_shared_worksheet_is_seen_by_the_teams_people_but_not_peers(world, client):
    worksheet = joy_worksheet_save(
        actor=world.bob, team=world.team_a1, answers=_answers(reflect_resonate="Ours"), shared=True
    )
    for person, status in [("alice", 200), ("erin", 200), ("frank", 200), ("charlie", 404), ("olga", 404)]:
        client.force_login(getattr(world, person))
        response = client.get(_detail(worksheet))
        assert response.status_code == status, person
    client.force_login(world.alice)
    assert "Ours" in client.get(_detail(worksheet)).content.decode()


def test_a_member_fills_and_shares_the_worksheet_through_the_form(world, client):
    client.force_login(world.bob)
    response = client.post(
        f"/teams/{world.team_a1.public_id}/joy-in-work/mine/",
        {
            "reflect_resonate": "Camaraderie keeps me going",
            "rating_safety": "Opportunity for Improvement",
            "action_components": [SAFETY],
            "changes_safety": [SAFETY_IDEA],
            "plan_change": SAFETY_IDEA,
            "plan_start": "2026-02-02",
            "plan_end": "2026-02-27",
            "share_with_team": "on",
        },
    )
    worksheet = Worksheet.objects.get()
    assert response.status_code == 302 and response["Location"] == _detail(worksheet)
    assert (worksheet.respondent, worksheet.team, worksheet.shared) == (world.bob, world.team_a1, True)
    assert worksheet.answers == {
        "reflect_resonate": "Camaraderie keeps me going",
        "rating_safety": "Opportunity for Improvement",
        "action_components": [SAFETY],
        "changes_safety": [SAFETY_IDEA],
        "plan_change": SAFETY_IDEA,
        "plan_start": "2026-02-02",
        "plan_end": "2026-02-27",
    }
    assert worksheet.template.version == 1


def test_three_components_are_refused_with_the_field_named_and_nothing_saved(world, client):
    client.force_login(world.bob)
    three = [name for _, name, _ in definitions.JOY_COMPONENTS[:3]]
    response = client.post(
        f"/teams/{world.team_a1.public_id}/joy-in-work/mine/",
        {"reflect_resonate": "Kept?", "action_components": three},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Components to work on (choose 1 or 2): Choose at most 2." in page
    assert 'href="#id_action_components_0"' in page
    assert not Worksheet.objects.exists()


def test_people_outside_the_lia_cannot_fill_it(world, client):
    url = f"/teams/{world.team_a1.public_id}/joy-in-work/mine/"
    for person, status in [("erin", 403), ("frank", 403), ("diana", 404), ("charlie", 404)]:
        client.force_login(getattr(world, person))
        assert client.post(url, {"reflect_resonate": "x"}).status_code == status, person
    assert not Worksheet.objects.exists()


def test_the_team_worksheet_is_one_per_team_and_seen_by_the_team(world, client):
    joy_worksheet_save(actor=world.bob, team=world.team_a1, answers=_answers(), for_team=True)
    worksheet = joy_worksheet_save(
        actor=world.alice, team=world.team_a1, answers=_answers("Strength"), for_team=True
    )
    assert Worksheet.objects.count() == 1 and worksheet.respondent is None
    client.force_login(world.erin)
    assert client.get(_detail(worksheet)).status_code == 200


def test_rollup_is_withheld_under_five_respondents(world, client):
    for n in range(4):
        joy_worksheet_save(actor=_member(world, n), team=world.team_a1, answers=_answers())
    client.force_login(world.alice)
    page = client.get(f"/teams/{world.team_a1.public_id}/joy-in-work/").content.decode()
    assert "4 people have rated the components so far" in page
    assert "The roll-up appears when 1 more person answers." in page
    assert "heatmap" not in page
    rollup = joy_rollup(user=world.alice, team=world.team_a1)
    assert (rollup.respondents, rollup.rows, rollup.top_ideas) == (4, [], [])


def test_rollup_counts_private_and_shared_answers_from_five_respondents(world, client):
    ratings = ["Strength", "Strength", "Opportunity for Improvement", "Moderate Strength", "Strength"]
    for n, rating in enumerate(ratings):
        joy_worksheet_save(
            actor=_member(world, n),
            team=world.team_a1,
            answers=_answers(
                rating, action_components=[SAFETY], changes_safety=[SAFETY_IDEA] if n < 3 else []
            ),
            shared=n == 0,  # one shared, four private: all five count
        )
    joy_worksheet_save(actor=world.charlie, team=world.team_c1, answers=_answers("Strength"))  # another team
    joy_worksheet_save(
        actor=world.bob, team=world.team_a1, answers={"reflect_roles": "No ratings"}
    )  # not a respondent
    rollup = joy_rollup(user=world.erin, team=world.team_a1)
    assert rollup.respondents == 5
    assert rollup.rows[0].component == SAFETY and rollup.rows[0].counts == [3, 1, 1]
    assert rollup.rows[1].counts == [0, 5, 0]
    assert rollup.rows[2].counts == [0, 0, 0]
    assert rollup.top_ideas == [(SAFETY_IDEA, 3)]
    client.force_login(world.alice)
    page = client.get(f"/teams/{world.team_a1.public_id}/joy-in-work/").content.decode()
    assert "Ratings of the nine components by 5 respondents" in page
    assert f"{SAFETY_IDEA} (3)" in page
    assert "member1@example.org" not in page  # private respondents are not named


def test_members_do_not_see_the_rollup(world, client):
    for n in range(5):
        joy_worksheet_save(actor=_member(world, n), team=world.team_a1, answers=_answers())
    client.force_login(world.bob)
    page = client.get(f"/teams/{world.team_a1.public_id}/joy-in-work/").content.decode()
    assert "Team roll-up" not in page and "heatmap" not in page
    with pytest.raises(PermissionDenied):
        joy_rollup(user=world.bob, team=world.team_a1)


@pytest.fixture
def safety_idea(world) -> ChangeIdea:
    aim = Aim.objects.create(collaborative=world.one, text="Improve home visitor well-being")
    driver = Driver.objects.create(collaborative=world.one, aim=aim, text="Physical & psychological safety")
    return ChangeIdea.objects.create(collaborative=world.one, driver=driver, text=SAFETY_IDEA)


def _planned(world, **plan: object) -> Worksheet:
    return joy_worksheet_save(
        actor=world.bob,
        team=world.team_a1,
        answers={
            "action_components": [SAFETY],
            "changes_safety": [SAFETY_IDEA],
            "plan_who": "Two home visitors",
            "plan_start": "2026-02-02",
            "plan_end": "2026-02-27",
            "plan_measure": "Concerns raised per week",
            **plan,
        },
    )


def test_one_click_turns_the_plan_into_a_draft_pdsa_linked_to_the_change_idea(world, client, safety_idea):
    worksheet = _planned(world, plan_change=SAFETY_IDEA)
    client.force_login(world.bob)
    response = client.post(f"/worksheets/{worksheet.public_id}/pdsa/")
    assert response.status_code == 302
    cycle = PDSACycle.objects.get()
    assert (cycle.team, cycle.change_idea, cycle.status, cycle.created_by) == (
        world.team_a1, safety_idea, PDSACycle.Status.PLANNING, world.bob
    )  # fmt: skip
    assert (cycle.plan_who, cycle.data_to_collect, str(cycle.planned_start), str(cycle.planned_end)) == (
        "Two home visitors", "Concerns raised per week", "2026-02-02", "2026-02-27"
    )  # fmt: skip
    assert cycle.plan_when == "2 Feb 2026 to 27 Feb 2026"
    client.post(f"/worksheets/{worksheet.public_id}/pdsa/")  # a second click makes no second cycle
    assert PDSACycle.objects.count() == 1
    worksheet.refresh_from_db()
    assert worksheet.pdsa_cycle == cycle
    page = client.get(_detail(worksheet)).content.decode()
    assert f"This plan became the draft PDSA cycle “{cycle.title}” (Planning)" in page
    assert "<dt>Start date</dt>\n    <dd>2 Feb 2026</dd>" in page


def test_an_other_change_becomes_the_cycles_other_change_idea(world, client):
    worksheet = _planned(world, plan_change="Other", plan_change_other="Walking meetings on Fridays")
    client.force_login(world.bob)
    client.post(f"/worksheets/{worksheet.public_id}/pdsa/")
    cycle = PDSACycle.objects.get()
    assert (cycle.change_idea, cycle.other_change_idea) == (None, "Walking meetings on Fridays")


def test_a_plan_without_a_change_makes_no_cycle(world, client):
    worksheet = _planned(world)
    client.force_login(world.bob)
    response = client.post(f"/worksheets/{worksheet.public_id}/pdsa/", follow=True)
    assert "Choose the change you will test, and save, first." in response.content.decode()
    assert not PDSACycle.objects.exists()


def test_others_cannot_turn_someones_plan_into_a_cycle(world, client, safety_idea):
    private = _planned(world, plan_change=SAFETY_IDEA)
    client.force_login(world.alice)
    assert client.post(f"/worksheets/{private.public_id}/pdsa/").status_code == 404  # private: not even seen
    private.shared = True
    private.save()
    assert client.post(f"/worksheets/{private.public_id}/pdsa/").status_code == 403  # seen, but bob's plan
    client.force_login(world.charlie)
    assert client.post(f"/worksheets/{private.public_id}/pdsa/").status_code == 404
    assert not PDSACycle.objects.exists()


def test_a_worksheet_keeps_the_template_version_it_was_written_against(world, monkeypatch):
    first = joy_worksheet_save(actor=world.bob, team=world.team_a1, answers=_answers())

    def v2() -> dict:
        changed = definitions._joy()
        changed["sections"][0]["questions"].append({"key": "reflect_new", "type": "short", "label": "New"})
        return changed

    monkeypatch.setitem(definitions.DEFINITIONS, definitions.JOY_IN_WORK, (2, v2))
    again = joy_worksheet_save(actor=world.bob, team=world.team_a1, answers=_answers("Moderate Strength"))
    assert again.pk == first.pk and again.template.version == 1
    with pytest.raises(ValidationError) as info:
        joy_worksheet_save(actor=world.bob, team=world.team_a1, answers={"reflect_new": "Not in v1"})
    assert info.value.message_dict == {"reflect_new": ["This question is not part of the worksheet."]}
    newcomer = joy_worksheet_save(actor=world.alice, team=world.team_a1, answers={"reflect_new": "v2 answer"})
    assert newcomer.template.version == 2 and newcomer.answers == {"reflect_new": "v2 answer"}
