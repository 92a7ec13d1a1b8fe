"""The scoping guard: a tenant-model queryset evaluated without visible_to(user) raises (docs/architecture.md §4.3, G5)."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from collaboratives import scoping, selectors
from collaboratives.models import Invitation, Membership, Role, Team
from collaboratives.scoping import UnscopedQueryError, guarded
from measures.models import Observation, RunChartAnalysis
from tests.factories import ObservationFactory


@pytest.mark.parametrize(
    "evaluate",
    [
        list,
        len,
        bool,
        lambda qs: qs.first(),
        lambda qs: qs.get(code="A1"),
        lambda qs: qs.count(),
        lambda qs: qs.exists(),
        lambda qs: qs.aggregate(n=__import__("django.db.models", fromlist=["Count"]).Count("id")),
        lambda qs: list(qs.iterator()),
        lambda qs: qs.in_bulk(),
        lambda qs: list(qs.values_list("code", flat=True)),
        lambda qs: qs.update(code="X"),
        lambda qs: qs.delete(),
    ],
    ids=[
        "list",
        "len",
        "bool",
        "first",
        "get",
        "count",
        "exists",
        "aggregate",
        "iterator",
        "in_bulk",
        "values_list",
        "update",
        "delete",
    ],  # fmt: skip
)
def test_every_way_of_reaching_the_database_without_visible_to_raises(world, evaluate):
    with guarded(), pytest.raises(UnscopedQueryError, match="Team queryset evaluated without visible_to"):
        evaluate(Team.objects.filter(collaborative=world.one))
    assert Team.objects.filter(code="X").count() == 0  # the refused update and delete did nothing
    assert Team.objects.count() == 4


def test_a_queryset_from_visible_to_and_its_chained_forms_pass(world):
    with guarded():
        visible = Team.objects.visible_to(world.charlie)
        assert sorted(visible.values_list("code", flat=True)) == ["C1"]
        assert visible.filter(code="A1").exists() is False
        assert visible.exclude(code="C1").count() == 0
        assert [t.code for t in selectors.team_list(user=world.alice).order_by("code")] == ["A1", "A2"]
        assert Team.objects.visible_to(world.root).count() == 4


def test_a_model_with_its_own_peer_rule_marks_its_queryset_as_scoped_too(world):
    RunChartAnalysis.objects.create(kind="team", measure=ObservationFactory(team=world.team_a1).measure,
                                    collaborative=world.one, team=world.team_a1)  # fmt: skip
    with guarded():
        assert RunChartAnalysis.objects.visible_to(world.charlie).count() == 1  # peers in ONE, named
        assert RunChartAnalysis.objects.visible_to(world.olga).count() == 0
        with pytest.raises(UnscopedQueryError):
            RunChartAnalysis.objects.count()


def test_unscoped_is_the_explicit_way_past_the_guard_and_needs_a_reason(world):
    with guarded():
        assert (
            Membership.objects.unscoped(reason="the user's own memberships").filter(user=world.alice).count()
            == 1
        )
        with pytest.raises(ValueError, match="needs a reason"):
            Membership.objects.unscoped(reason=" ")


def test_a_related_manager_is_confined_to_the_visible_object_it_hangs_off(world):
    ObservationFactory(team=world.team_a1)
    ObservationFactory(team=world.team_c1)
    with guarded():
        team = Team.objects.visible_to(world.alice).get(code="A1")
        assert team.observations.count() == 1
        with pytest.raises(UnscopedQueryError):
            Observation.objects.filter(team__code="A1").count()


def test_full_clean_may_check_uniqueness_across_tenants(world):
    def invitation(lia: object) -> Invitation:
        return Invitation(lia=lia, email="x@example.org", role=Role.TEAM_MEMBER, token_hash="0" * 64,
                          invited_by=world.alice, expires_at=timezone.now())  # fmt: skip

    invitation(world.lia_c).save()
    with guarded(), pytest.raises(ValidationError) as refused:
        invitation(world.lia_a).full_clean()
    assert list(refused.value.message_dict) == ["token_hash"]


def test_the_guard_is_off_outside_guarded_blocks(world):
    assert Team.objects.count() == 4


@pytest.mark.expects_unscoped
def test_a_view_that_forgets_visible_to_fails_in_every_test_that_requests_it(world, client, monkeypatch):
    client.force_login(world.charlie)
    assert client.get("/teams/").status_code == 200
    monkeypatch.setattr(selectors, "team_list", lambda *, user, collaborative=None: Team.objects.all())
    with pytest.raises(UnscopedQueryError):
        client.get("/teams/")
    assert scoping._guard_on.get() is False  # the request's end turned the guard off again
