"""The dashboard tests' data: three teams of ONE with a sustained shift, and helpers to read the page."""

import datetime as dt
import re

from collaboratives.models import Collaborative
from measures.charts import inputs as series
from measures.models import Observation, RunChartAnalysis

START = dt.date(2025, 1, 1)
# 12 months at 40%, then 12 at 70%: a sustained upward shift at month 12.
STEP = [(4, 10)] * 12 + [(7, 10)] * 12


def fill(team, measure, pairs):
    Observation.objects.bulk_create(
        Observation(team=team, measure=measure, month=series.month_add(START, i), numerator=n, denominator=d)
        for i, (n, d) in enumerate(pairs)
    )


def chart_of(team, measure):
    return RunChartAnalysis.objects.get(kind="team", team=team, measure=measure)


def state_chart_of(awardee, measure):
    return RunChartAnalysis.objects.get(kind="awardee", awardee=awardee, measure=measure)


def set_peers(world, visibility):
    Collaborative.objects.filter(id=world.one.id).update(peer_visibility=visibility)


def table_labels(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r'<th scope="row">(.*?)</th>', body, re.S)
    ]
