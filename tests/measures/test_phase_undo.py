"""Undo a phase decision with a reason (issue 21): the chart goes back to its suggestions, and the decision
and its undoing stay in the chart's phase history."""

import datetime as dt

from measures.models import PhaseDecision, RunChartAnalysis
from measures.services import phase_decide


def _confirmed(world, chart):
    return phase_decide(
        actor=world.alice,
        analysis=chart,
        start_month=dt.date(2026, 1, 1),
        decision="confirmed",
        reason="New intake",
    )


def test_a_decider_undoes_a_decision_with_a_reason_kept_in_history(world, charts, client):
    chart = RunChartAnalysis.objects.get(kind="team", team=world.team_a1, measure=charts)
    decision = _confirmed(world, chart)
    client.force_login(world.alice)
    url = f"/charts/{chart.public_id}/phases/2026-01/undo/"
    assert 'action="' + url + '"' in client.get(f"/charts/{chart.public_id}/").content.decode()
    response = client.post(url, {"reason": "The intake form started in February"})
    assert response.status_code == 302
    assert not PhaseDecision.objects.filter(id=decision.id).exists()
    [undone] = PhaseDecision.history.filter(id=decision.id, history_type="-")
    assert (undone.decision, undone.reason, undone.history_change_reason, undone.history_user) == (
        "confirmed",
        "New intake",
        "The intake form started in February",
        world.alice,
    )
    page = client.get(f"/charts/{chart.public_id}/").content.decode()
    assert "undone by Alice" in page and "The intake form started in February" in page


def test_an_undo_without_a_reason_changes_nothing(world, charts, client):
    chart = RunChartAnalysis.objects.get(kind="team", team=world.team_a1, measure=charts)
    decision = _confirmed(world, chart)
    client.force_login(world.alice)
    client.post(f"/charts/{chart.public_id}/phases/2026-01/undo/", {"reason": " "})
    assert PhaseDecision.objects.filter(id=decision.id).exists()
    assert "Say why the decision is undone" in client.get(f"/charts/{chart.public_id}/").content.decode()


def test_someone_who_may_not_decide_the_chart_may_not_undo(world, charts, client):
    chart = RunChartAnalysis.objects.get(kind="team", team=world.team_a1, measure=charts)
    decision = _confirmed(world, chart)
    client.force_login(world.bob)  # a member of LIA A: sees the chart, does not decide its phases
    assert client.post(f"/charts/{chart.public_id}/phases/2026-01/undo/", {"reason": "no"}).status_code == 403
    assert PhaseDecision.objects.filter(id=decision.id).exists()
