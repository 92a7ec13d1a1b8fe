"""Seed the system-test database: one collaborative, two teams, a CQI lead, three measures, 12 months.

Run as `python -m tests.system.seed` with DJANGO_SETTINGS_MODULE and DATABASE_URL set; prints the ids
the tests need as one JSON line. Tasks run in-process here (no REDIS_URL), so every series starts fresh.
"""

import datetime as dt
import json

import django

django.setup()

from collaboratives.models import Role  # noqa: E402
from measures.services import ObservationInput, observations_record  # noqa: E402
from tests.factories import (  # noqa: E402
    AwardeeFactory,
    CollaborativeFactory,
    LIAFactory,
    MeasureFactory,
    MembershipFactory,
    TeamFactory,
    UserFactory,
)

PASSWORD = "system-test-password-2026"


def main() -> None:
    awardee = AwardeeFactory(name="Ohio", code="oh")
    collaborative = CollaborativeFactory(
        name="Safe Relationships CoIIN", short_name="SRR", start_date=dt.date(2025, 1, 1)
    )
    lia_a = LIAFactory(awardee=awardee, name="Agency A")
    lia_b = LIAFactory(awardee=awardee, name="Agency B")
    team_a = TeamFactory(collaborative=collaborative, lia=lia_a, code="A1")
    team_b = TeamFactory(collaborative=collaborative, lia=lia_b, code="B1")
    lead = UserFactory(username="lead@example.org", password=PASSWORD)
    MembershipFactory(user=lead, role=Role.CQI_LEAD, lia=lia_a)
    MembershipFactory(user=lead, role=Role.CQI_LEAD, lia=lia_b)
    measures = [MeasureFactory(collaborative=collaborative, code=f"m{n}", order=n) for n in (1, 2, 3)]
    for team in (team_a, team_b):
        for index in range(12):
            month = dt.date(2025, 1 + index, 1)
            cells = [ObservationInput(m, 4 + (index * 7 + n) % 5, 10) for n, m in enumerate(measures)]
            observations_record(actor=lead, team=team, month=month, cells=cells)
    print(
        json.dumps(
            {
                "email": lead.email,
                "password": PASSWORD,
                "collaborative": str(collaborative.public_id),
                "teams": {t.code: str(t.public_id) for t in (team_a, team_b)},
                "measures": [m.code for m in measures],
            }
        )
    )


if __name__ == "__main__":
    main()
