"""Who may import monthly data (issue 19, finding 6): whoever may enter a team's data, as
docs/security.md §1 says and `access.may_import_data` decides; the docs and the code agree."""

from pathlib import Path

from django.conf import settings

from collaboratives import access
from tests.measures.test_import_pages import csv_upload, import_url, measures, upload  # noqa: F401

SECURITY = Path(settings.BASE_DIR) / "docs" / "security.md"


def test_the_docs_give_import_to_whoever_enters_data():
    text = SECURITY.read_text()
    assert "`access.may_import_data` asks exactly `ENTER_DATA`" in text


def test_a_team_member_and_a_cqi_lead_may_import_and_an_advisor_may_not(client, world, measures):  # noqa: F811
    for person, allowed in ((world.bob, True), (world.alice, True), (world.diana, False)):
        assert access.may_import_data(person, world.one) is allowed
        client.force_login(person)
        response = upload(client, world, csv_upload("A1,2025-03,prop,1,2,,"))
        assert response.status_code == (302 if allowed else 403), person
