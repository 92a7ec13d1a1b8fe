"""Personal data is encrypted in the database, keys rotate, and it is purged after closure."""

import datetime as dt

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from referrals import services
from referrals.models import ContactAttempt, Referral
from tests.referrals.network import self_referral

NAMES = [f"Familia Número{i} Zyx" for i in range(50)]


def _all_text_in_referral_tables() -> str:
    with connection.cursor() as cursor:
        chunks = []
        for table in ("referrals_referral", "referrals_contactattempt", "referrals_referralevent"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608
            chunks += [str(v) for row in cursor.fetchall() for v in row]
    return "\n".join(chunks)


def test_after_50_referrals_no_personal_field_is_in_clear_text_in_the_database(net):
    due = timezone.localdate() + dt.timedelta(days=100)
    for i, name in enumerate(NAMES):
        self_referral(
            net,
            family_name=name,
            phone=f"314555{i:04d}",
            email=f"fam{i}@mail.example",
            due_date=due,
            contact_time=f"After {i}pm",
            needs=f"Necesidad secreta {i}",
        )
    dump = _all_text_in_referral_tables()
    needles = [
        *NAMES,
        *(f"314555{i:04d}" for i in range(50)),
        "@mail.example",
        "Necesidad secreta",
        "After 1",
        due.isoformat(),
        "63106",
    ]
    assert [n for n in needles if n in dump] == []
    # ... and the application reads them back.
    loaded = {r.family_name for r in Referral.objects.unscoped(reason="test")}
    assert loaded == set(NAMES)


def test_a_rotated_key_still_decrypts_and_the_rotate_command_moves_rows_to_the_new_key(net, settings):
    referral = self_referral(net)
    old = settings.REFERRALS_FIELD_KEYS[0]
    new = Fernet.generate_key().decode()
    settings.REFERRALS_FIELD_KEYS = [new, old]
    assert Referral.objects.unscoped(reason="test").get(id=referral.id).family_name == "Maria Lopez"
    call_command("referrals_rotate_keys")
    settings.REFERRALS_FIELD_KEYS = [new]
    assert Referral.objects.unscoped(reason="test").get(id=referral.id).family_name == "Maria Lopez"


def test_a_value_under_an_unknown_key_fails_loudly_instead_of_reading_wrong(net, settings):
    referral = self_referral(net)
    settings.REFERRALS_FIELD_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ValueError, match="cannot be decrypted"):
        Referral.objects.unscoped(reason="test").get(id=referral.id)


def test_purge_erases_personal_data_after_the_delay_and_keeps_the_de_identified_record(net):
    referral = self_referral(net)
    services.referral_choose(actor=net.hub, referral=referral, program=net.programs["hfa"])
    services.referral_send(actor=net.hub, referral=referral)
    services.referral_accept(actor=net.staff_hfa, referral=referral)
    services.contact_attempt_log(
        actor=net.staff_hfa, referral=referral, method="phone", reached=True, note="Talked with Maria"
    )
    services.referral_close(actor=net.staff_hfa, referral=referral, outcome="enrolled")
    open_one = self_referral(net, phone="3145550999", family_name="Ana Ruiz")
    delay = dt.timedelta(days=net.network.purge_after_days)
    assert services.referrals_purge(now=timezone.now() + delay - dt.timedelta(days=1)) == 0
    assert services.referrals_purge(now=timezone.now() + delay + dt.timedelta(days=1)) == 1
    assert services.referrals_purge(now=timezone.now() + delay + dt.timedelta(days=2)) == 0
    purged = Referral.objects.unscoped(reason="test").get(id=referral.id)
    assert [getattr(purged, f) for f in services.PERSONAL_FIELDS] == [None] * len(services.PERSONAL_FIELDS)
    assert (purged.phone_hash, purged.identity_hash) == ("", "")
    assert (purged.status, purged.outcome, purged.program_id) == (
        "completed",
        "enrolled",
        net.programs["hfa"].id,
    )
    assert purged.first_contact_at is not None and purged.purged_at is not None
    assert ContactAttempt.objects.unscoped(reason="test").get(referral=referral).note is None
    assert Referral.objects.unscoped(reason="test").get(id=open_one.id).family_name == "Ana Ruiz"
