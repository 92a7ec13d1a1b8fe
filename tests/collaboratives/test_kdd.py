"""The key driver diagram: admins edit it, everyone in the collaborative reads it with each idea's testing."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from collaboratives.models import Aim, ChangeIdea, Driver
from collaboratives.services import aim_save, change_idea_save, driver_save, kdd_item_delete
from tests.pdsa.factories import AimFactory, ChangeIdeaFactory, DriverFactory, PDSACycleFactory


@pytest.fixture
def diagram(world):
    aim = AimFactory(collaborative=world.one, text="85% of home visitors report high well-being")
    primary = DriverFactory(aim=aim, text="Recognition and Rewards")
    idea = ChangeIdeaFactory(driver=primary, text="Develop career ladders for home visitors")
    return aim, primary, idea


def test_an_admin_builds_aim_primary_secondary_and_idea(world):
    aim = aim_save(actor=world.frank, collaborative=world.one, text=" Joy in work ", order=2)
    primary = driver_save(
        actor=world.frank, collaborative=world.one, text="Daily Improvement", order=0, aim=aim
    )
    secondary = driver_save(
        actor=world.frank,
        collaborative=world.one,
        text="Huddles",
        order=0,
        parent=primary,
        description=" Short ",
    )
    idea = change_idea_save(
        actor=world.frank,
        collaborative=world.one,
        driver=secondary,
        text="Create a visible program goals chart",
        order=1,
    )
    assert (aim.text, aim.order) == ("Joy in work", 2)
    assert (primary.aim, primary.parent, secondary.aim, secondary.parent, secondary.description) == (
        aim,
        None,
        None,
        primary,
        "Short",
    )
    assert (idea.collaborative, idea.driver) == (world.one, secondary)


@pytest.mark.parametrize("who", ["alice", "diana", "erin"])
def test_only_collaborative_admins_edit_the_diagram(world, diagram, who):
    with pytest.raises(PermissionDenied):
        aim_save(actor=getattr(world, who), collaborative=world.one, text="Another", order=1)
    with pytest.raises(PermissionDenied):
        kdd_item_delete(actor=getattr(world, who), item=diagram[2])
    assert (Aim.objects.count(), ChangeIdea.objects.count()) == (1, 1)


def test_references_into_another_collaborative_or_level_are_refused(world, diagram):
    aim, primary, _ = diagram
    other = AimFactory(collaborative=world.two)
    secondary = DriverFactory(aim=None, parent=primary)
    for kwargs in ({"aim": other}, {"parent": secondary}, {}, {"aim": aim, "parent": primary}):
        with pytest.raises(ValidationError) as exc:
            driver_save(actor=world.root, collaborative=world.one, text="X", order=0, **kwargs)
        assert "under" in exc.value.message_dict
    with pytest.raises(ValidationError):
        change_idea_save(actor=world.root, collaborative=world.two, driver=primary, text="X", order=0)
    assert Driver.objects.count() == 2 and ChangeIdea.objects.count() == 1


def test_a_tested_idea_cannot_be_removed_but_an_untested_one_can(world, diagram):
    aim, primary, idea = diagram
    PDSACycleFactory(team=world.team_a1, change_idea=idea)
    with pytest.raises(ValidationError):
        kdd_item_delete(actor=world.frank, item=idea)
    with pytest.raises(ValidationError):
        kdd_item_delete(actor=world.frank, item=aim)  # the cascade would reach the tested idea
    assert ChangeIdea.objects.filter(id=idea.id).exists() and Aim.objects.filter(id=aim.id).exists()
    spare = ChangeIdeaFactory(driver=primary)
    kdd_item_delete(actor=world.frank, item=spare)
    assert not ChangeIdea.objects.filter(id=spare.id).exists()


def test_the_diagram_page_shows_the_tree_counts_and_test_links_for_the_team(world, diagram, client):
    aim, primary, idea = diagram
    DriverFactory(aim=None, parent=primary, text="Pay and promotion")
    PDSACycleFactory(team=world.team_c1, change_idea=idea, status="done", decision="adopt")
    client.force_login(world.bob)
    html = client.get(f"/collaboratives/{world.one.public_id}/kdd/").content.decode()
    positions = [html.index(t) for t in (aim.text, primary.text, idea.text, "Pay and promotion")]
    assert positions == sorted(positions)
    assert "1 team · 1 cycle · adopted 1, adapted 0, abandoned 0" in html
    assert f"/teams/{world.team_a1.public_id}/pdsa/new/?change_idea={idea.public_id}" in html
    assert "Edit the diagram" not in html
    client.force_login(world.erin)  # reads North's teams but tests nothing
    html = client.get(f"/collaboratives/{world.one.public_id}/kdd/").content.decode()
    assert "pdsa/new/" not in html


def test_the_edit_page_adds_a_driver_and_shows_errors_by_field(world, diagram, client):
    aim, primary, _ = diagram
    client.force_login(world.frank)
    url = f"/collaboratives/{world.one.public_id}/kdd/edit/"
    ok = client.post(
        url,
        {
            "kind": "driver",
            "driver-text": "Peer support",
            "driver-under": f"driver-{primary.public_id}",
            "driver-order": "0",
        },
    )
    assert ok.status_code == 302
    assert Driver.objects.get(text="Peer support").parent == primary
    bad = client.post(url, {"kind": "idea", "idea-text": "", "idea-driver": "nonsense", "idea-order": "x"})
    html = bad.content.decode()
    assert bad.status_code == 400
    assert (
        'href="#id_idea-text"' in html
        and 'href="#id_idea-driver"' in html
        and 'href="#id_idea-order"' in html
    )
    assert ChangeIdea.objects.count() == 1


def test_editing_items_by_their_pages(world, diagram, client):
    aim, primary, idea = diagram
    client.force_login(world.frank)
    assert (
        client.post(
            f"/collaboratives/{world.one.public_id}/kdd/aims/1/", {"text": "Reworded aim", "order": "0"}
        ).status_code
        == 302
    )
    assert client.get(f"/collaboratives/{world.one.public_id}/kdd/aims/2/").status_code == 404
    assert (
        client.post(
            f"/kdd/ideas/{idea.public_id}/",
            {"text": "Career ladders", "driver": str(primary.public_id), "order": "3"},
        ).status_code
        == 302
    )
    PDSACycleFactory(team=world.team_a1, change_idea=idea)
    refused = client.post(f"/kdd/drivers/{primary.public_id}/", {"action": "delete"})
    assert refused.status_code == 400 and "stays in the diagram" in refused.content.decode()
    aim.refresh_from_db()
    idea.refresh_from_db()
    assert (aim.text, idea.text, idea.order) == ("Reworded aim", "Career ladders", 3)
    assert Driver.objects.filter(id=primary.id).exists()


def test_another_collaboratives_items_are_404(world, client):
    foreign = ChangeIdeaFactory(driver=DriverFactory(aim=AimFactory(collaborative=world.two)))
    client.force_login(world.frank)
    assert client.get(f"/kdd/ideas/{foreign.public_id}/").status_code == 404
    assert client.get(f"/kdd/drivers/{foreign.driver.public_id}/").status_code == 404
