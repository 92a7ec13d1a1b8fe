"""The referral pages: the family's (public, English and Spanish), the partner's, the hub's, the program's."""

import datetime as dt
import json
import logging

import pytest
from django.utils import timezone

from referrals import services
from referrals.models import Referral, Status
from tests.referrals.network import family, self_referral


def _form(**overrides):
    data = family(**overrides)
    post = {k: ("" if v is None else v) for k, v in data.items() if k not in ("income_below_poverty",)}
    post["first_time_parent"] = "yes"
    post["consent"] = "on"
    return post | {k: v for k, v in overrides.items() if k in ("consent", "first_time_parent")}


def test_the_family_page_speaks_spanish_and_gives_a_reference_code(client, net):
    page = client.get("/refer/?lang=es")
    assert page.status_code == 200
    assert '<html lang="es">' in page.text and "Pida una visitadora al hogar" in page.text
    done = client.post("/refer/?lang=es", _form())
    assert done.status_code == 200 and "Gracias: recibimos su solicitud" in done.text
    referral = Referral.objects.unscoped(reason="test").get()
    assert referral.reference_code in done.text
    assert (referral.source, referral.language, referral.family_name) == ("family", "es", "Maria Lopez")


def test_bad_answers_on_the_family_page_are_named_in_spanish_and_nothing_is_saved(client, net):
    response = client.post(
        "/refer/?lang=es",
        _form(due_date=timezone.localdate() - dt.timedelta(days=400), phone="12", consent=""),
    )
    assert response.status_code == 400
    assert "La fecha probable de parto debe estar dentro de los próximos 10 meses." in response.text
    assert "Por favor, acepte para que un programa pueda comunicarse con usted." in response.text
    assert Referral.objects.unscoped(reason="test").count() == 0


def test_an_oversized_answer_is_refused_with_its_field_named(client, net):
    response = client.post("/refer/", _form(needs="x" * 5000))
    assert response.status_code == 400
    assert 'href="#id_needs"' in response.text
    assert Referral.objects.unscoped(reason="test").count() == 0


def test_the_status_page_shows_the_status_and_no_personal_data(client, net):
    referral = self_referral(net)
    services.referral_choose(actor=net.hub, referral=referral, program=net.programs["hfa"])
    services.referral_send(actor=net.hub, referral=referral)
    page = client.get(f"/refer/status/?code={referral.reference_code.lower().replace('-', ' ')}")
    assert page.status_code == 200
    assert "Your referral was sent to the program you chose." in page.text
    for personal in ("Maria", "Lopez", "555", "63106", "Healthy Families", "Breastfeeding"):
        assert personal not in page.text
    assert client.get("/refer/status/?code=AAAA-BBBB-CCCC").status_code == 404


def test_the_partner_refers_and_sees_only_its_own_referrals_status(client, net):
    client.force_login(net.partner)
    url = f"/referrals/networks/{net.network.public_id}/partner/"
    post = _form() | {"family_name": "Rosa Diaz", "phone": "3145550177", "consent_scope": "contact"}
    assert client.post(url, post).status_code == 302
    mine = Referral.objects.unscoped(reason="test").get(source="partner")
    theirs = self_referral(net, phone="3145550100", family_name="Other Family")
    page = client.get(url)
    assert mine.reference_code in page.text and theirs.reference_code not in page.text
    assert "Rosa" not in page.text
    assert client.get(f"/referrals/r/{mine.public_id}/").status_code == 403
    assert client.get(f"/referrals/r/{theirs.public_id}/").status_code == 404


def test_the_hub_screens_chooses_and_sends_and_the_program_enrols(client, net, caplog):
    referral = self_referral(net)
    client.force_login(net.hub)
    queue = client.get(f"/referrals/networks/{net.network.public_id}/queue/")
    assert referral.reference_code in queue.text and "Maria" not in queue.text
    with caplog.at_level(logging.INFO, logger="coiin.audit"):
        detail = client.get(f"/referrals/r/{referral.public_id}/")
    assert "Maria Lopez" in detail.text
    viewed = [json.loads(r.message) for r in caplog.records if "personal_data_viewed" in r.message]
    assert [(v["event"], v["user"], v["referral"]) for v in viewed] == [
        ("referral.personal_data_viewed", net.hub.id, str(referral.public_id))
    ]
    act = f"/referrals/r/{referral.public_id}/"
    pat = net.programs["pat"]
    assert client.post(act + "choose/", {"program": str(pat.public_id)}).status_code == 302
    assert client.post(act + "send/").status_code == 302
    client.force_login(net.staff_pat)
    assert referral.reference_code in client.get(f"/referrals/networks/{net.network.public_id}/intake/").text
    assert client.post(act + "accept/").status_code == 302
    for reached in ("no", "yes"):
        assert client.post(act + "attempt/", {"method": "phone", "reached": reached}).status_code == 302
    assert client.post(act + "close/", {"outcome": "enrolled"}).status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.outcome, referral.attempts.count()) == (Status.COMPLETED, "enrolled", 2)
    client.force_login(net.hub)
    dashboard = client.get(f"/referrals/networks/{net.network.public_id}/dashboard/")
    assert dashboard.status_code == 200
    total = dashboard.context["dashboard"].funnel["total"][0]
    assert (total.referred, total.sent, total.contacted, total.enrolled, total.contacted_7d) == (
        1,
        1,
        1,
        1,
        1,
    )
    medians = {program.name: median for program, _, median in dashboard.context["dashboard"].capacity}
    assert medians[pat.name] == 0.0 and medians[net.programs["hfa"].name] is None


def test_a_refused_transition_is_a_400_naming_the_problem_and_changes_nothing(client, net):
    referral = self_referral(net)
    client.force_login(net.hub)
    response = client.post(f"/referrals/r/{referral.public_id}/send/")
    assert response.status_code == 400
    assert "Record the family&#x27;s choice before sending." in response.text
    referral.refresh_from_db()
    assert referral.program_id is None and referral.status == Status.REQUESTED


def test_the_hub_enters_a_family_that_phoned_in(client, net):
    client.force_login(net.hub)
    url = f"/referrals/networks/{net.network.public_id}/partner/"
    post = _form() | {"family_name": "Phoned In", "phone": "3145550166", "consent_scope": "contact"}
    assert client.post(url, post).status_code == 302
    referral = Referral.objects.unscoped(reason="test").get()
    assert (referral.source, referral.source_organization, referral.created_by) == ("hub", None, net.hub)
    client.force_login(net.staff_hfa)
    assert client.post(url, post | {"phone": "3145550167"}).status_code == 403
    assert Referral.objects.unscoped(reason="test").count() == 1


@pytest.mark.parametrize("who", ["staff_hfa", "partner", "admin"])
def test_only_the_hub_works_the_queue(client, net, who):
    client.force_login(getattr(net, who))
    assert client.get(f"/referrals/networks/{net.network.public_id}/queue/").status_code == 403


def test_the_network_admin_edits_a_program_and_bad_zips_are_named(client, net):
    client.force_login(net.admin)
    program = net.programs["nfp"]
    url = f"/referrals/programs/{program.public_id}/edit/"
    data = {
        "name": program.name,
        "description": "",
        "open_slots": 3,
        "capacity": 30,
        "accepting": "on",
        "service_zips": "63106, 6310x",
        "languages": ["en"],
    }
    bad = client.post(url, data)
    assert bad.status_code == 400 and "Each ZIP code has 5 digits." in bad.text
    program.refresh_from_db()
    assert program.open_slots == 5
    bad_rule = client.post(
        url, data | {"service_zips": "63106", "rules": "1 pregnant is_true\n2 age at_most"}
    )
    assert bad_rule.status_code == 400 and "Line 2: write group, fact, operator" in bad_rule.text
    assert program.rules.count() == 3
    rules = "1 pregnant is_true\n2 child_age_months at_most 11"
    assert client.post(url, data | {"service_zips": "63106, 63110", "rules": rules}).status_code == 302
    program.refresh_from_db()
    assert (program.open_slots, program.service_zips, program.languages) == (3, ["63106", "63110"], ["en"])
    assert list(program.rules.values_list("group", "fact", "operator", "value")) == [
        (1, "pregnant", "is_true", None),
        (2, "child_age_months", "at_most", 11),
    ]


def test_one_address_gets_20_public_requests_an_hour_then_a_translated_429_and_nothing_saved(client, net):
    for _ in range(20):
        assert client.post("/refer/?lang=es", {"family_name": "x"}).status_code == 400
    busy = client.post("/refer/?lang=es", _form())
    assert busy.status_code == 429 and "Por favor, intente más tarde" in busy.text
    assert Referral.objects.unscoped(reason="test").count() == 0
