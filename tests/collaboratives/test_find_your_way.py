"""Finding one's way (issue 21): the account menu, the profile page, and the awardee lead's home."""


def test_the_account_menu_links_profile_password_two_factor_tokens_and_sign_out(world, client):
    client.force_login(world.bob)
    html = client.get("/").content.decode()
    menu = html.split("data-account-menu", 1)[1].split("</ul>", 1)[0]
    for href in (
        'href="/account/"',
        'href="/accounts/password/change/"',
        'href="/accounts/2fa/"',
        'href="/api-tokens/"',
    ):
        assert href in menu
    assert 'action="/accounts/logout/"' in menu and "Sign out" in menu


def test_the_profile_shows_roles_and_saves_a_name(world, client):
    client.force_login(world.alice)
    html = client.get("/account/").content.decode()
    assert "LIA CQI lead: Agency A" in html
    assert client.post("/account/", {"first_name": " Alicia ", "last_name": "Ng"}).status_code == 302
    world.alice.refresh_from_db()
    assert (world.alice.first_name, world.alice.last_name) == ("Alicia", "Ng")
    refused = client.post("/account/", {"first_name": "", "last_name": "Ng"})
    assert refused.status_code == 400 and 'href="#id_first_name"' in refused.content.decode()
    world.alice.refresh_from_db()
    assert world.alice.first_name == "Alicia"


def test_the_awardee_leads_home_links_each_state_dashboard_and_closing_planner(world, client):
    client.force_login(world.erin)
    html = client.get("/").content.decode()
    one, north = world.one, world.north
    assert f'href="/collaboratives/{one.public_id}/dashboard/?awardee={north.public_id}"' in html
    assert f'href="/collaboratives/{one.public_id}/awardees/{north.public_id}/closing-planner/"' in html
    assert f"/collaboratives/{world.two.public_id}/awardees/{north.public_id}/closing-planner/" in html  # A2
    assert f"awardees/{world.south.public_id}/" not in html
    client.force_login(world.bob)
    assert "closing-planner" not in client.get("/").content.decode()
