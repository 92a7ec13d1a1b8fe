"""With DEBUG on (the demo), a missing page and a server error show the production pages, not Django's
technical ones (issue 21)."""

import pytest
from django.test import override_settings


@pytest.fixture
def demo_mode(settings):
    settings.DEBUG = True


def test_an_unknown_path_shows_the_production_404_page(demo_mode, client, world):
    client.force_login(world.bob)
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "There is nothing here, or it is not shared with you." in html
    assert "URLconf" not in html and "Using the URLconf" not in html


def test_a_missing_object_shows_the_production_404_page(demo_mode, client, world):
    client.force_login(world.bob)
    response = client.get("/teams/00000000-0000-4000-8000-000000000000/")
    assert response.status_code == 404
    assert "There is nothing here, or it is not shared with you." in response.content.decode()
    assert "Raised by:" not in response.content.decode()


def test_a_path_without_its_slash_still_redirects(demo_mode, client, world):
    client.force_login(world.bob)
    response = client.get("/teams")
    assert (response.status_code, response["Location"]) == (301, "/teams/")


@pytest.mark.urls("tests.coiin.extra_urls")
def test_a_server_error_shows_the_production_500_page_without_the_traceback(demo_mode, client, world):
    client.raise_request_exception = False
    response = client.get("/fail/")
    html = response.content.decode()
    assert response.status_code == 500
    assert "SELECT password" not in html and "Traceback" not in html
    with override_settings(DEBUG=False):
        assert client.get("/fail/").content == response.content  # the very page production shows
