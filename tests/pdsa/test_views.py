"""The PDSA pages end to end through the test client: the team logs, runs and sends a cycle; the advisor
reviews it; peers and outsiders never see its text."""

import datetime as dt
import re
import uuid

import pytest
from django.utils import timezone

from pdsa.models import PDSACycle, PDSAReview
from tests.pdsa.factories import PDSACycleFactory, PDSAReviewFactory

SECRET = "Visitor Jo felt unsafe at the Elm Street visit"


def _without_csrf_tokens(html: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", html)


@pytest.fixture
def cycle_a1(world, kdd):
    return PDSACycleFactory(
        team=world.team_a1,
        change_idea=kdd.idea,
        title="Check-in app pilot",
        observations=SECRET,
        created_by=world.bob,
    )


def test_a_member_logs_a_cycle_from_a_change_idea(world, kdd, client):
    client.force_login(world.bob)
    new = f"/teams/{world.team_a1.public_id}/pdsa/new/"
    page = client.get(f"{new}?change_idea={kdd.idea.public_id}")
    assert page.status_code == 200
    assert f'<option value="{kdd.idea.public_id}" selected>' in page.content.decode()
    assert kdd.idea_two.text not in page.content.decode()  # TWO's ideas are not offered
    response = client.post(
        new,
        {
            "title": "Check-in app, two visitors",
            "change_idea": kdd.idea.public_id,
            "prediction": "Both check in at every visit",
            "planned_start": "2025-03-03",
        },
    )
    cycle = PDSACycle.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/pdsa/{cycle.public_id}/"
    assert (cycle.team, cycle.change_idea, cycle.prediction, str(cycle.planned_start)) == (
        world.team_a1,
        kdd.idea,
        "Both check in at every visit",
        "2025-03-03",
    )


def test_bad_input_shows_field_errors_and_saves_nothing(world, kdd, client):
    client.force_login(world.bob)
    response = client.post(
        f"/teams/{world.team_a1.public_id}/pdsa/new/",
        {"title": "", "change_idea": kdd.idea_two.public_id, "planned_start": "31/02/2025"},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert (
        'href="#id_title"' in html and 'href="#id_change_idea"' in html and 'href="#id_planned_start"' in html
    )
    assert PDSACycle.objects.count() == 0


def test_a_change_idea_is_required_from_the_diagram_or_described(world, kdd, client):
    client.force_login(world.bob)
    response = client.post(f"/teams/{world.team_a1.public_id}/pdsa/new/", {"title": "Something"})
    assert response.status_code == 400
    assert "Choose the change idea this cycle tests" in response.content.decode()
    assert PDSACycle.objects.count() == 0


def test_next_cycle_continues_the_ramp(world, kdd, client, cycle_a1):
    cycle_a1.next_step = "Try it with the whole team"
    cycle_a1.save()
    client.force_login(world.alice)
    new = f"/teams/{world.team_a1.public_id}/pdsa/new/?previous={cycle_a1.public_id}"
    page = client.get(new).content.decode()
    assert "Next cycle after “Check-in app pilot”" in page
    assert "Try it with the whole team</textarea>" in page
    response = client.post(new, {"title": "Whole team", "change_idea": kdd.idea.public_id})
    ramp = PDSACycle.objects.get(title="Whole team")
    assert response.status_code == 302 and ramp.previous == cycle_a1
    detail = client.get(f"/pdsa/{ramp.public_id}/").content.decode()
    assert "This ramp of cycles" in detail and "Check-in app pilot" in detail


def test_a_ramp_from_another_teams_cycle_is_404(world, kdd, client):
    other = PDSACycleFactory(team=world.team_c1, change_idea=kdd.idea)
    client.force_login(world.alice)
    assert (
        client.get(f"/teams/{world.team_a1.public_id}/pdsa/new/?previous={other.public_id}").status_code
        == 404
    )
    assert client.get(f"/teams/{world.team_a1.public_id}/pdsa/new/?previous=not-a-uuid").status_code == 404


def test_the_team_runs_the_cycle_and_sends_it_for_review(
    world, kdd, client, cycle_a1, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(world.bob)
    edit = client.post(
        f"/pdsa/{cycle_a1.public_id}/edit/",
        {
            "title": cycle_a1.title,
            "change_idea": kdd.idea.public_id,
            "what_happened": "Used on 14 visits",
            "learned": "Visitors like it",
            "decision": "adopt",
        },
    )
    assert edit.status_code == 302
    for _ in range(3):
        assert client.post(f"/pdsa/{cycle_a1.public_id}/advance/").status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/pdsa/{cycle_a1.public_id}/submit/").status_code == 302
    cycle_a1.refresh_from_db()
    assert (cycle_a1.status, cycle_a1.decision, cycle_a1.learned) == ("done", "adopt", "Visitors like it")
    assert PDSAReview.objects.get().requested_by == world.bob
    assert [m.to for m in mailoutbox] == [["frank@example.org"]]
    assert client.post(f"/pdsa/{cycle_a1.public_id}/submit/").status_code == 302  # already waiting: refused
    assert PDSAReview.objects.count() == 1


def test_the_advisor_reviews_and_the_team_reads_the_feedback(
    world, client, cycle_a1, mailoutbox, django_capture_on_commit_callbacks
):
    PDSAReviewFactory(cycle=cycle_a1, requested_by=world.bob)
    client.force_login(world.frank)
    queue = client.get("/reviews/").content.decode()
    assert "Check-in app pilot" in queue and f"/pdsa/{cycle_a1.public_id}/review/" in queue
    review_url = f"/pdsa/{cycle_a1.public_id}/review/"
    assert SECRET in client.get(review_url).content.decode()
    incomplete = client.post(review_url, {"comment": "Good", "prediction_stated": "yes"})
    assert incomplete.status_code == 400
    assert 'href="#id_small_scale_0"' in incomplete.content.decode()
    assert PDSAReview.objects.get().reviewed_at is None
    rubric = {"prediction_stated": "yes", "small_scale": "yes", "data_planned": "no", "study_compares": "yes"}
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            review_url, {"comment": "Plan the data next time.", "act_explicit": "yes", **rubric}
        )
    assert done.status_code == 302
    review = PDSAReview.objects.get()
    assert (review.reviewer, review.score, review.data_planned) == (world.frank, 4, False)
    assert sorted(m.to[0] for m in mailoutbox) == ["alice@example.org"] and sorted(mailoutbox[0].to) == [
        "alice@example.org",
        "bob@example.org",
    ]
    assert client.get(review_url).status_code == 404  # nothing waiting any more
    client.force_login(world.bob)
    detail = client.get(f"/pdsa/{cycle_a1.public_id}/").content.decode()
    assert "Plan the data next time." in detail and "4 of 5" in detail


@pytest.mark.parametrize("who", ["charlie", "olga", "diana"])
@pytest.mark.parametrize("suffix", ["", "edit/", "review/"])
def test_peers_and_outsiders_get_the_same_404_as_for_a_missing_cycle(world, client, cycle_a1, who, suffix):
    PDSAReviewFactory(cycle=cycle_a1)
    client.force_login(getattr(world, who))
    foreign = client.get(f"/pdsa/{cycle_a1.public_id}/{suffix}")
    missing = client.get(f"/pdsa/{uuid.uuid4()}/{suffix}")
    assert foreign.status_code == missing.status_code == 404
    assert _without_csrf_tokens(foreign.content) == _without_csrf_tokens(missing.content)
    assert client.post(f"/pdsa/{cycle_a1.public_id}/advance/").status_code == 404
    cycle_a1.refresh_from_db()
    assert cycle_a1.status == "planning"


def test_a_peer_sees_counts_but_never_the_text_on_shared_pages(world, kdd, client, cycle_a1):
    PDSAReviewFactory(cycle=cycle_a1)
    client.force_login(world.charlie)
    for url in (
        f"/collaboratives/{world.one.public_id}/ledger/",
        f"/collaboratives/{world.one.public_id}/kdd/",
    ):
        html = client.get(url).content.decode()
        assert "Check-in app pilot" not in html and SECRET not in html
    assert "1 team · 1 cycle" in client.get(f"/collaboratives/{world.one.public_id}/kdd/").content.decode()
    assert "Check-in app pilot" not in client.get("/reviews/").content.decode()
    assert client.get(f"/teams/{world.team_a1.public_id}/pdsa/").status_code == 404


def test_the_awardee_lead_reads_but_may_not_edit(world, client, cycle_a1):
    client.force_login(world.erin)
    assert SECRET in client.get(f"/pdsa/{cycle_a1.public_id}/").content.decode()
    assert client.post(f"/pdsa/{cycle_a1.public_id}/edit/", {"title": "Mine now"}).status_code == 403
    cycle_a1.refresh_from_db()
    assert cycle_a1.title == "Check-in app pilot"


def test_the_ledger_filters_to_an_awardee_and_rejects_an_unknown_one(world, client, kdd, cycle_a1):
    client.force_login(world.erin)
    url = f"/collaboratives/{world.one.public_id}/ledger/"
    page = client.get(f"{url}?awardee={world.north.public_id}")
    assert page.status_code == 200 and "PDSA cycles across teams: North" in page.content.decode()
    bad = client.get(f"{url}?awardee={uuid.uuid4()}")
    assert bad.status_code == 400 and 'href="#id_awardee"' in bad.content.decode()


def test_the_teams_cycle_list_shows_status_and_review_state(world, kdd, client, cycle_a1):
    done = PDSACycleFactory(
        team=world.team_a1, change_idea=kdd.idea, title="Earlier cycle", status="done", decision="adopt"
    )
    PDSAReviewFactory(
        cycle=done, reviewed_at=done.created_at, **dict.fromkeys(["prediction_stated", "small_scale"], True)
    )
    PDSAReviewFactory(cycle=cycle_a1)
    PDSACycleFactory(team=world.team_c1, change_idea=kdd.idea, title="A peer's cycle")
    client.force_login(world.bob)
    html = client.get(f"/teams/{world.team_a1.public_id}/pdsa/").content.decode()
    assert "Earlier cycle" in html and "Reviewed, 2/5" in html and "Adopt" in html
    assert "Check-in app pilot" in html and "Waiting since" in html
    assert "A peer&#x27;s cycle" not in html and "A peer's cycle" not in html


def test_the_pdsa_home_lists_own_teams_counts_and_the_collaboratives_pages(world, kdd, client, cycle_a1):
    PDSACycleFactory(team=world.team_c1, change_idea=kdd.idea, status="doing")
    client.force_login(world.bob)
    html = client.get("/pdsa/").content.decode()
    assert (
        f"/teams/{world.team_a1.public_id}/pdsa/" in html and f"/teams/{world.team_c1.public_id}/" not in html
    )
    assert (
        f"/collaboratives/{world.one.public_id}/kdd/" in html
        and f"/collaboratives/{world.two.public_id}/kdd/" in html
    )
    assert f"/teams/{world.team_a1.public_id}/pdsa/new/" in html
    assert '<a class="nav-link active"\n              aria-current="page" href="/pdsa/">PDSA</a>' in html
    client.force_login(world.diana)
    html = client.get("/pdsa/").content.decode()
    assert f"/teams/{world.team_b1.public_id}/pdsa/" in html and "pdsa/new/" not in html
    assert 'href="/reviews/">PDSA reviews</a>' in html
    client.force_login(world.bob)
    assert "PDSA reviews" not in client.get("/pdsa/").content.decode()


def test_the_queue_page_groups_by_team_ordered_by_each_teams_oldest_request(world, kdd, client):
    now = timezone.now()
    for team, title, days in [
        (world.team_a1, "A1 newer", 1),
        (world.team_b1, "B1 oldest", 9),
        (world.team_a1, "A1 older", 5),
        (world.team_b1, "B1 newer", 2),
    ]:
        PDSAReviewFactory(
            cycle=PDSACycleFactory(team=team, change_idea=kdd.idea, title=title),
            requested_at=now - dt.timedelta(days=days),
        )
    client.force_login(world.frank)
    html = client.get("/reviews/").content.decode()
    order = [
        html.index(text) for text in ("Agency B", "B1 oldest", "B1 newer", "Agency A", "A1 older", "A1 newer")
    ]
    assert order == sorted(order)
    assert "4 cycles waiting for your review" in html
