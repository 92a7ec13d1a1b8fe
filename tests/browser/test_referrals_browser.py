"""Issue 24 in Chromium: a family refers itself on a 390 px phone in Spanish; the hub coordinator screens,
records the family's choice and sends; the program accepts, logs two attempts and enrols; the family's
status page says so, and the month's measures appear on the program's team run chart. A partner refers a family and, once the program enrols it, sees "Enrolled".
axe (WCAG 2.1 AA) on every page; screenshots for people to look at."""

import datetime as dt
import shutil
from pathlib import Path

import pytest
from django.utils import timezone

from collaboratives import months
from collaboratives.models import Role
from measures.models import RunChartAnalysis
from referrals import services
from referrals.intake_measures import intake_measures_record
from referrals.models import Referral
from tests.browser.pages import axe_violations, screenshot
from tests.factories import LIAFactory, MeasureFactory, MembershipFactory, TeamFactory
from tests.referrals.network import build_network, people

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/work/wt/shots/i24")


def _shot(page, name: str) -> None:
    path = screenshot(page, f"referrals-{name}")
    if SHOTS.parent.is_dir():
        SHOTS.mkdir(exist_ok=True)
        shutil.copy(path, SHOTS / path.name)


def _checked(page, name: str) -> None:
    _shot(page, name)
    assert axe_violations(page) == [], name


def _pat_team(net):
    """Parents as Teachers' agency as a CQI team of a collaborative holding the intake measures, with
    the program's intake worker as its CQI lead."""
    team = TeamFactory(lia=LIAFactory(name=net.programs["pat"].organization.name))
    MembershipFactory(user=net.staff_pat, role=Role.CQI_LEAD, lia=team.lia)
    for code, name, kind in (
        ("intake-received", "Referrals received", "count"),
        ("intake-contact-7d", "Families contacted within 7 days of referral", "proportion"),
        ("intake-enrol-30d", "Families enrolled within 30 days of referral", "proportion"),
        ("intake-days-to-contact", "Median days to first contact", "median"),
    ):
        MeasureFactory(
            collaborative=team.collaborative, code=code, name=name, kind=kind, recorded_by_platform=True
        )
    net.programs["pat"].team = team
    net.programs["pat"].save()
    return team


def test_a_family_self_refers_in_spanish_and_is_enrolled(chromium, signed_in_page, live_server):
    net = build_network(**people())
    team = _pat_team(net)
    phone = chromium.new_context(viewport={"width": 390, "height": 844}, locale="es-US")
    family = phone.new_page()
    family.goto(f"{live_server.url}/refer/")
    assert family.get_by_role("heading", name="Pida una visitadora al hogar").count() == 1
    _checked(family, "1-family-form-es-390")
    family.get_by_role("button", name="Enviar mi solicitud").click()
    family.wait_for_load_state()
    assert family.get_by_role("heading", name="Hay un problema").count() == 1
    assert family.get_by_role("link", name="Su nombre: Este campo es requerido.").count() == 1
    _checked(family, "2-family-errors-es-390")
    family.get_by_label("Su nombre").fill("María Fernández")
    family.get_by_label("Teléfono celular").fill("314 555 0177")
    family.get_by_label("Mejores días y horas para comunicarnos con usted").fill("Tardes")
    family.get_by_label("Código postal").fill("63107")
    family.get_by_label("Fecha probable de parto, si está embarazada").fill(
        (timezone.localdate() + dt.timedelta(days=100)).isoformat()
    )
    family.get_by_label("Sí").check()
    family.get_by_label("Idioma para las visitas al hogar").select_option("es")
    family.get_by_label("Acepto que el centro de admisión").check()
    family.get_by_role("button", name="Enviar mi solicitud").click()
    family.wait_for_load_state()
    code = family.locator("[data-reference-code]").inner_text().strip()
    assert len(code) == 14
    _checked(family, "3-family-done-es-390")

    hub = signed_in_page(net.hub)
    hub.goto(f"{live_server.url}/referrals/networks/{net.network.public_id}/queue/")
    _checked(hub, "4-hub-queue-1280")
    hub.get_by_role("link", name=code).click()
    hub.wait_for_load_state()
    assert hub.locator("[data-family-name]").inner_text() == "María Fernández"
    _checked(hub, "5-hub-referral-1280")
    hub.get_by_label("Parents as Teachers").check()
    hub.get_by_role("button", name="Record the family's choice").click()
    hub.wait_for_load_state()
    hub.get_by_role("button", name="Send to Parents as Teachers").click()
    hub.wait_for_load_state()
    _checked(hub, "6-hub-sent-1280")

    program = signed_in_page(net.staff_pat, width=390)
    program.goto(f"{live_server.url}/referrals/networks/{net.network.public_id}/intake/")
    _checked(program, "7-program-intake-390")
    program.get_by_role("link", name=code).click()
    program.wait_for_load_state()
    program.get_by_role("button", name="Accept").click()
    program.wait_for_load_state()
    for reached in ("No", "Yes"):
        program.get_by_label("Reached the family?").select_option(label=reached)
        program.get_by_role("button", name="Log contact attempt").click()
        program.wait_for_load_state()
    program.get_by_label("Outcome").select_option("enrolled")
    program.get_by_role("button", name="Close with outcome").click()
    program.wait_for_load_state()
    _checked(program, "8-program-enrolled-390")
    referral = Referral.objects.unscoped(reason="test").get(reference_code=code)
    assert (referral.status, referral.outcome, referral.attempts.count()) == ("completed", "enrolled", 2)

    family.goto(f"{live_server.url}/refer/status/?lang=es&code={code}")
    assert family.locator("[data-family-status]").inner_text() == "Ya está inscrita/o. ¡Bienvenida/o!"
    _checked(family, "9-family-status-es-390")

    dashboard = signed_in_page(net.admin)
    dashboard.goto(f"{live_server.url}/referrals/networks/{net.network.public_id}/dashboard/")
    _checked(dashboard, "10-network-dashboard-1280")
    # This month has not ended: nothing is charted yet, and the page says why.
    assert "Nothing to chart yet: no referral was sent in a month that has ended" in dashboard.content()
    assert dashboard.get_by_role("row", name="Parents as Teachers").first.inner_text().split("\t")[1:] == [
        "1", "1", "1", "1", "1", "1", "1",
    ]  # fmt: skip

    # The month's intake measures, recorded as the month's windows close (7 and 30 days after it ends:
    # the record is dated then), through hand entry's service by the team's CQI lead.
    month = months.first_of(timezone.localdate())
    closed = months.add(month, 1) + dt.timedelta(days=30)
    assert intake_measures_record(actor=net.staff_pat, team=team, month=month, today=closed) == [
        "intake-received", "intake-contact-7d", "intake-enrol-30d", "intake-days-to-contact",
    ]  # fmt: skip
    for code, latest, width in (
        ("intake-enrol-30d", "latest 100% in", 390),
        ("intake-received", "latest 1 in", 1280),
        ("intake-days-to-contact", "latest 0 in", 390),  # contacted the day it was sent
    ):
        chart = RunChartAnalysis.objects.get(team=team, measure__code=code, kind="team")
        # A new session each time: signing another person in ends the last one's.
        page = signed_in_page(net.staff_pat, width=width)
        page.goto(f"{live_server.url}/charts/{chart.public_id}/?chart=run")
        caption = page.locator(".runchart figcaption", has_text="Last computed").first
        caption.wait_for(timeout=30_000)
        assert f"{latest} {month:%B %Y}" in caption.text_content()
        _checked(page, f"12-program-run-chart-{code}-{width}")
    phone.close()


def test_a_partner_refers_a_family_and_sees_enrolled(signed_in_page, live_server):
    net = build_network(**people())
    partner = signed_in_page(net.partner, width=390)
    partner.goto(f"{live_server.url}/referrals/networks/{net.network.public_id}/partner/")
    partner.get_by_label("Family's name").fill("Rosa Diaz")
    partner.get_by_label("Mobile phone").fill("3145550199")
    partner.get_by_label("ZIP code").fill("63106")
    partner.get_by_label("Youngest child's date of birth, if born").fill(
        (timezone.localdate() - dt.timedelta(days=40)).isoformat()
    )
    partner.get_by_label("How to reach the family", exact=True).check()
    partner.get_by_label("The family gave consent to this referral.").check()
    partner.get_by_role("button", name="Send to the intake hub").click()
    partner.wait_for_load_state()
    referral = Referral.objects.unscoped(reason="test").get(source="partner")
    services.referral_choose(actor=net.hub, referral=referral, program=net.programs["hfa"])
    services.referral_send(actor=net.hub, referral=referral)
    services.referral_accept(actor=net.staff_hfa, referral=referral)
    services.referral_close(actor=net.staff_hfa, referral=referral, outcome="enrolled")
    partner.reload()
    row = partner.locator(f'[data-reference="{referral.reference_code}"]')
    assert row.locator("[data-outcome]").inner_text() == "Enrolled"
    assert "Rosa" not in partner.content()
    _checked(partner, "11-partner-status-390")
