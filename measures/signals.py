"""Receivers that record a change of what a collaborative's dashboard shows (`page_cache.content_changed`).

Cache bookkeeping is a side concern, so signals are the right hook here: they catch every `save()` and
`delete()`, the admin's included. Writes that bypass signals (the run-chart services' bulk UPDATEs)
record their changes themselves.
"""

from typing import Any

from django.db.models.signals import post_delete, post_save

from collaboratives.models import LIA, Awardee, Collaborative, Team
from measures.models import ChartAnnotation, Measure, MonthlyReport, RunChartAnalysis
from measures.page_cache import content_changed


def _changed_collaborative(sender: Any, instance: Any, **kwargs: Any) -> None:
    collaborative_id = instance.id if isinstance(instance, Collaborative) else instance.collaborative_id
    content_changed(collaborative_ids=[collaborative_id])


def _changed_team_row(sender: Any, instance: MonthlyReport, **kwargs: Any) -> None:
    content_changed(collaborative_ids=[instance.team.collaborative_id])


def _changed_every_collaborative(sender: Any, instance: Any, **kwargs: Any) -> None:
    content_changed(collaborative_ids=None)  # names shown on every dashboard with a team there


def connect() -> None:
    """Called once, from MeasuresConfig.ready(). A chart's deletion needs no receiver: it only goes with
    its team, measure or collaborative, whose own receivers record it (and charts keep fast deletes)."""
    receivers = [
        (_changed_collaborative, (Team, Measure, ChartAnnotation), (post_save, post_delete)),
        (_changed_collaborative, (RunChartAnalysis, Collaborative), (post_save,)),
        (_changed_team_row, (MonthlyReport,), (post_save, post_delete)),
        (_changed_every_collaborative, (LIA, Awardee), (post_save,)),
    ]
    for receiver, models, signals in receivers:
        for model in models:
            for signal in signals:
                name = "save" if signal is post_save else "delete"
                signal.connect(receiver, sender=model, dispatch_uid=f"page_cache.{model.__name__}.{name}")
