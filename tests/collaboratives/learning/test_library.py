"""The resource library: files checked like PDSA attachments, links, tags, search, per collaborative."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from collaboratives.learning.selectors import resource_list
from collaboratives.learning.services import resource_add
from collaboratives.models import Aim, ChangeIdea, Driver, Resource
from collaboratives.uploads import UPLOAD_MAX_BYTES


@pytest.fixture
def kdd(world):
    aim = Aim.objects.create(collaborative=world.one, text="85% of home visitors report high well-being")
    primary = Driver.objects.create(collaborative=world.one, aim=aim, text="Ongoing professional growth")
    secondary = Driver.objects.create(collaborative=world.one, parent=primary, text="Reflective supervision")
    idea = ChangeIdea.objects.create(
        collaborative=world.one, driver=secondary, text="Weekly reflective supervision"
    )
    other = ChangeIdea.objects.create(
        collaborative=world.one, driver=secondary, text="Spotlight accomplishments"
    )
    return type("Kdd", (), {"primary": primary, "secondary": secondary, "idea": idea, "other": other})


def _add(world, **fields):
    return resource_add(actor=world.frank, collaborative=world.one, kind="toolkit", **fields)


def test_search_and_tags_narrow_the_library(world, kdd):
    toolkit = _add(
        world,
        title="Parent Leadership in CQI Toolkit",
        url="https://example.org/parent-leadership",
        description="Partner with parents to co-create solutions",
    )
    guide = _add(
        world, title="Reflective supervision guide", url="https://example.org/rs", change_ideas=[kdd.idea]
    )
    slides = _add(
        world,
        title="Spotlight slides",
        filename="spotlight.pdf",
        content=b"%PDF-1.7",
        change_ideas=[kdd.other],
    )

    def titles(**filters):
        return [r.title for r in resource_list(user=world.bob, collaborative=world.one, **filters)]

    assert titles(query="parents co-create") == [toolkit.title]
    assert titles(query="PARENT toolkit") == [toolkit.title]
    assert titles(change_idea=kdd.idea) == [guide.title]
    # A primary driver gathers what is tagged to its secondary drivers' change ideas.
    assert titles(driver=kdd.primary) == [guide.title, slides.title]
    assert titles() == [toolkit.title, guide.title, slides.title]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"filename": "run.exe", "content": b"MZ"},
            "file",
            "Attach a PDF, Word, Excel, CSV, text or image file",
        ),
        ({"filename": "empty.pdf", "content": b""}, "file", "The file is empty."),
        ({"filename": "big.pdf", "content": b"x" * (UPLOAD_MAX_BYTES + 1)}, "file", "larger than 5 MB"),
        ({}, "url", "Give a link or upload a file"),
        ({"url": "https://example.org", "filename": "a.pdf", "content": b"x"}, "url", "one of the two"),
    ],
)
def test_a_bad_upload_is_refused_naming_the_field_and_nothing_is_saved(world, fields, field, message):
    with pytest.raises(ValidationError) as caught:
        _add(world, title="Bad", **fields)
    assert message in caught.value.message_dict[field][0]
    assert Resource.objects.count() == 0


def test_tags_must_come_from_the_same_collaborative(world, kdd):
    aim = Aim.objects.create(collaborative=world.two, text="Other aim")
    foreign = Driver.objects.create(collaborative=world.two, aim=aim, text="Other driver")
    with pytest.raises(ValidationError) as caught:
        _add(world, title="X", url="https://example.org", drivers=[foreign])
    assert list(caught.value.message_dict) == ["drivers"]


def test_only_admins_add_and_the_library_is_per_collaborative(client, world):
    with pytest.raises(PermissionDenied):
        resource_add(
            actor=world.alice, collaborative=world.one, kind="toolkit", title="X", url="https://e.org"
        )
    ours = _add(world, title="Our slides", filename="ours.pdf", content=b"%PDF")
    client.force_login(world.charlie)
    response = client.get(f"/library/{ours.public_id}/file/")
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/pdf" and response.content == b"%PDF"
    client.force_login(world.olga)
    assert client.get(f"/library/{ours.public_id}/file/").status_code == 404
    assert client.get(f"/collaboratives/{world.one.public_id}/library/").status_code == 404


def test_the_upload_form_shows_the_file_error_and_saves_nothing(client, world):
    client.force_login(world.frank)
    response = client.post(
        f"/collaboratives/{world.one.public_id}/library/new/",
        {"title": "Script", "kind": "other", "file": SimpleUploadedFile("x.html", b"<script>")},
    )
    assert response.status_code == 400
    assert "Attach a PDF, Word, Excel, CSV, text or image file" in response.content.decode()
    assert Resource.objects.count() == 0
    response = client.post(
        f"/collaboratives/{world.one.public_id}/library/new/",
        {"title": "Tally sheet", "kind": "toolkit", "file": SimpleUploadedFile("tally.csv", b"a,b\n1,2\n")},
    )
    assert response.status_code == 302
    assert Resource.objects.get().content_type == "text/csv"


def test_a_change_idea_on_the_diagram_links_to_its_resources(client, world, kdd):
    _add(world, title="Guide", url="https://example.org/rs", change_ideas=[kdd.idea])
    client.force_login(world.bob)
    page = client.get(f"/collaboratives/{world.one.public_id}/kdd/").content.decode()
    link = f"/collaboratives/{world.one.public_id}/library/?idea={kdd.idea.public_id}"
    assert f'href="{link}">1 resource<span' in page
    listing = client.get(link).content.decode()
    assert "1 matching resource" in listing and "Guide" in listing


def test_a_filter_naming_no_known_driver_is_a_field_error(client, world):
    client.force_login(world.bob)
    for bad in ("not-a-uuid", "0c4b0f9e-8a8e-4b8e-9d8e-000000000000"):
        response = client.get(f"/collaboratives/{world.one.public_id}/library/?driver={bad}")
        page = response.content.decode()
        assert response.status_code == 400
        assert (
            '<a class="alert-link" href="#id_driver">Choose a driver of this collaborative from the list.'
            in page
        )
