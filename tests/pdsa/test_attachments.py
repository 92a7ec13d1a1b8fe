"""Files kept with a cycle: the team attaches and removes them; whoever reads the cycle downloads them."""

import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from collaboratives.uploads import UPLOAD_MAX_BYTES as ATTACHMENT_MAX_BYTES
from pdsa.models import PDSAAttachment
from tests.pdsa.factories import PDSACycleFactory


def _without_csrf_tokens(html: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", html)


@pytest.fixture
def cycle_a1(world, kdd):
    return PDSACycleFactory(team=world.team_a1, change_idea=kdd.idea, title="Check-in app pilot")


def _attach(client, cycle, name="tally.csv", content=b"visit,checked_in\n1,yes\n"):
    return client.post(f"/pdsa/{cycle.public_id}/attachments/", {"file": SimpleUploadedFile(name, content)})


def test_the_team_attaches_a_file_that_readers_download_as_a_file(world, client, cycle_a1):
    client.force_login(world.bob)
    assert _attach(client, cycle_a1, name="../../tally.csv").status_code == 302
    attachment = PDSAAttachment.objects.get()
    assert (attachment.filename, attachment.size, attachment.team, attachment.uploaded_by) == (
        "tally.csv",
        23,
        world.team_a1,
        world.bob,
    )
    client.force_login(world.erin)
    download = client.get(f"/attachments/{attachment.public_id}/")
    assert download.status_code == 200
    assert download["Content-Type"] == "text/csv"
    assert download["Content-Disposition"] == 'attachment; filename="tally.csv"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download.content == b"visit,checked_in\n1,yes\n"
    assert "tally.csv" in client.get(f"/pdsa/{cycle_a1.public_id}/").content.decode()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("page.html", b"<script>alert(1)</script>", "Attach a PDF, Word, Excel, CSV, text or image file"),
        ("empty.pdf", b"", "The submitted file is empty."),
        ("big.pdf", b"x" * (ATTACHMENT_MAX_BYTES + 1), "The file is larger than 5 MB."),
    ],
)
def test_a_refused_file_is_reported_at_the_field_and_not_saved(
    world, client, cycle_a1, name, content, message
):
    client.force_login(world.bob)
    response = _attach(client, cycle_a1, name=name, content=content)
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html and 'href="#id_file"' in html
    assert PDSAAttachment.objects.count() == 0


def test_peers_get_404_and_readers_may_not_attach_or_remove(world, client, cycle_a1):
    client.force_login(world.bob)
    _attach(client, cycle_a1)
    attachment = PDSAAttachment.objects.get()
    client.force_login(world.charlie)
    client.get("/pdsa/")  # shows (and so clears) bob's "attached" message
    foreign = client.get(f"/attachments/{attachment.public_id}/")
    missing = client.get(f"/attachments/{uuid.uuid4()}/")
    assert foreign.status_code == missing.status_code == 404 and _without_csrf_tokens(
        foreign.content
    ) == _without_csrf_tokens(missing.content)
    assert client.post(f"/attachments/{attachment.public_id}/").status_code == 404
    client.force_login(world.erin)
    assert _attach(client, cycle_a1, name="mine.csv").status_code == 403
    assert client.post(f"/attachments/{attachment.public_id}/").status_code == 403
    assert list(PDSAAttachment.objects.values_list("filename", flat=True)) == ["tally.csv"]
    client.force_login(world.alice)
    assert client.post(f"/attachments/{attachment.public_id}/").status_code == 302
    assert PDSAAttachment.objects.count() == 0
