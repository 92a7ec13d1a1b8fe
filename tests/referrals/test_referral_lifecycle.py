"""The referral's life: created, screened, chosen, sent, accepted, attempts, closed; every transition checked."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from collaboratives.models import Notification
from referrals import services
from referrals.models import ContactAttempt, Referral, ReferralEvent, Status
from tests.referrals.network import family, self_referral


def _sent(net, **family):
    referral = self_referral(net, **family)
    services.referral_choose(actor=net.hub, referral=referral, program=net.programs["hfa"])
    return services.referral_send(actor=net.hub, referral=referral)


def test_a_pregnant_first_time_family_is_eligible_for_all_four_models_and_presented_in_a_seeded_order(net):
    referral = self_referral(net)
    ids = {str(p.public_id) for p in net.programs.values()}
    # Income not given: Early Head Start is "check" (ask the family), the others eligible.
    assert referral.eligibility == {
        str(net.programs["hfa"].public_id): "eligible",
        str(net.programs["nfp"].public_id): "eligible",
        str(net.programs["pat"].public_id): "eligible",
        str(net.programs["ehs"].public_id): "check",
    }
    assert set(referral.presented_programs) == ids
    assert referral.status == Status.REQUESTED
    assert len(referral.reference_code) == 14


def test_a_family_outside_every_service_area_is_presented_no_program(net):
    referral = self_referral(net, zip_code="64108")
    assert referral.presented_programs == []
    assert set(referral.eligibility.values()) == {"not_eligible"}


def test_a_two_year_old_fits_parents_as_teachers_and_early_head_start_only_when_income_is_low(net):
    born = timezone.localdate() - dt.timedelta(days=730)
    referral = self_referral(net, due_date=None, child_birth_date=born, first_time_parent=False)
    fits = {pid for pid, v in referral.eligibility.items() if v == "eligible"}
    assert fits == {str(net.programs["pat"].public_id)}
    services.referral_screen(
        actor=net.hub, referral=referral, first_time_parent=False, income_below_poverty=True
    )
    referral.refresh_from_db()
    fits = {pid for pid, v in referral.eligibility.items() if v == "eligible"}
    assert fits == {str(net.programs["pat"].public_id), str(net.programs["ehs"].public_id)}


def test_the_whole_path_to_enrolment_writes_a_timestamped_history_and_tells_the_program(net):
    referral = _sent(net)
    assert Notification.objects.filter(recipient=net.staff_hfa, kind="referral").count() == 1
    assert Notification.objects.filter(recipient=net.staff_pat).count() == 0
    services.referral_accept(actor=net.staff_hfa, referral=referral)
    services.contact_attempt_log(actor=net.staff_hfa, referral=referral, method="phone", reached=False)
    services.contact_attempt_log(actor=net.staff_hfa, referral=referral, method="text", reached=True)
    services.referral_close(actor=net.staff_hfa, referral=referral, outcome="enrolled")
    referral.refresh_from_db()
    assert (referral.status, referral.outcome) == ("completed", "enrolled")
    assert referral.first_contact_at is not None and referral.closed_at is not None
    steps = list(
        ReferralEvent.objects.filter(referral=referral).values_list("kind", "from_status", "to_status")
    )
    assert steps == [
        ("created", "", "requested"),
        ("chosen", "", ""),
        ("sent", "", ""),
        ("status", "requested", "accepted"),
        ("status", "accepted", "in-progress"),
        ("status", "in-progress", "completed"),
    ]
    net.programs["hfa"].refresh_from_db()
    assert net.programs["hfa"].open_slots == 4


def test_the_program_may_mark_a_referral_received_before_accepting_it_but_not_twice(net):
    referral = _sent(net)
    services.referral_receive(actor=net.staff_hfa, referral=referral)
    with pytest.raises(ValidationError) as exc:
        services.referral_receive(actor=net.staff_hfa, referral=referral)
    assert exc.value.message_dict["status"] == ["A referral that is received cannot become received."]
    services.referral_accept(actor=net.staff_hfa, referral=referral)
    steps = ReferralEvent.objects.filter(referral=referral, kind="status").values_list(
        "from_status", "to_status"
    )
    assert list(steps) == [("requested", "received"), ("received", "accepted")]


def test_a_closed_referral_cannot_be_reopened_or_accepted(net):
    referral = _sent(net)
    services.referral_cancel(actor=net.hub, referral=referral, reason="Family moved away")
    with pytest.raises(ValidationError) as exc:
        services.referral_accept(actor=net.staff_hfa, referral=referral)
    assert "status" in exc.value.message_dict
    assert Referral.objects.unscoped(reason="test").get(id=referral.id).status == Status.CANCELLED


def test_attempts_before_acceptance_or_in_the_future_are_refused_and_nothing_is_saved(net):
    referral = _sent(net)
    with pytest.raises(ValidationError) as exc:
        services.contact_attempt_log(actor=net.staff_hfa, referral=referral, method="phone", reached=False)
    assert "method" in exc.value.message_dict
    services.referral_accept(actor=net.staff_hfa, referral=referral)
    with pytest.raises(ValidationError) as exc:
        services.contact_attempt_log(
            actor=net.staff_hfa,
            referral=referral,
            method="phone",
            reached=False,
            at=timezone.now() + dt.timedelta(days=2),
        )
    assert "at" in exc.value.message_dict
    assert ContactAttempt.objects.unscoped(reason="test").count() == 0


def test_unable_to_reach_needs_two_attempts(net):
    referral = _sent(net)
    services.referral_accept(actor=net.staff_hfa, referral=referral)
    services.contact_attempt_log(actor=net.staff_hfa, referral=referral, method="phone", reached=False)
    with pytest.raises(ValidationError) as exc:
        services.referral_close(actor=net.staff_hfa, referral=referral, outcome="unable_to_reach")
    assert "outcome" in exc.value.message_dict
    services.contact_attempt_log(actor=net.staff_hfa, referral=referral, method="text", reached=False)
    services.referral_close(actor=net.staff_hfa, referral=referral, outcome="unable_to_reach")
    assert Referral.objects.unscoped(reason="test").get(id=referral.id).status == Status.FAILED


def test_another_programs_staff_and_the_partner_may_not_act_on_the_referral(net):
    referral = _sent(net)
    for person in (net.staff_pat, net.partner):
        with pytest.raises(PermissionDenied):
            services.referral_accept(actor=person, referral=referral)
    with pytest.raises(PermissionDenied):
        services.referral_send(actor=net.staff_hfa, referral=referral)


def test_a_declined_referral_returns_to_the_hub_and_may_go_to_another_program(net):
    referral = _sent(net)
    services.referral_decline(actor=net.staff_hfa, referral=referral, reason="capacity")
    assert Notification.objects.filter(recipient=net.hub, kind="referral").count() == 1
    services.referral_choose(actor=net.hub, referral=referral, program=net.programs["pat"])
    services.referral_send(actor=net.hub, referral=referral)
    referral.refresh_from_db()
    assert (referral.status, referral.program) == (Status.REQUESTED, net.programs["pat"])


def test_the_choice_must_be_a_presented_program_the_consent_names(net):
    referral = self_referral(net, zip_code="63106")
    other = services.referral_create(
        actor=None,
        network=net.network,
        source="family",
        consent_scope="contact",
        consent_any_program=False,
        consent_programs=[net.programs["pat"]],
        **family(phone="3145550199"),
    )
    with pytest.raises(ValidationError) as exc:
        services.referral_choose(actor=net.hub, referral=other, program=net.programs["hfa"])
    assert exc.value.message_dict["program"] == ["The family's consent does not name this program."]
    outside = self_referral(net, zip_code="64108", phone="3145550111")
    with pytest.raises(ValidationError):
        services.referral_choose(actor=net.hub, referral=outside, program=net.programs["hfa"])
    assert Referral.objects.unscoped(reason="test").get(id=referral.id).chosen_program is None


def test_the_same_family_referred_twice_is_flagged_and_an_enrolled_match_is_named(net):
    first = _sent(net)
    services.referral_accept(actor=net.staff_hfa, referral=first)
    services.referral_close(actor=net.staff_hfa, referral=first, outcome="enrolled")
    again = self_referral(net, phone="+1 314 555 0142", family_name="  MARIA LOPEZ ")
    assert again.duplicate_of_id == first.id
    assert again.duplicate_enrolled is True
    stranger = self_referral(net, phone="3145550000", family_name="Ana Ruiz")
    assert stranger.duplicate_of_id is None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"due_date": dt.date(2020, 1, 1)}, "due_date"),
        ({"due_date": None, "child_birth_date": None}, "due_date"),
        ({"child_birth_date": dt.date(2999, 1, 1), "due_date": None}, "child_birth_date"),
        ({"child_birth_date": dt.date(2024, 6, 1), "first_time_parent": True}, "first_time_parent"),
        ({"phone": "12"}, "phone"),
        ({"phone": None, "email": None}, "phone"),
        ({"needs": "x" * 1001}, "needs"),
        ({"zip_code": "6310"}, "zip_code"),
        ({"language": "klingon"}, "language"),
    ],
)
def test_bad_answers_name_the_field_and_save_nothing(net, overrides, field):
    with pytest.raises(ValidationError) as exc:
        self_referral(net, **overrides)
    assert field in exc.value.message_dict
    assert Referral.objects.unscoped(reason="test").count() == 0
    assert ReferralEvent.objects.unscoped(reason="test").count() == 0


def test_stale_referrals_notify_the_hub_and_the_program_once(net):
    referral = _sent(net)
    later = timezone.now() + dt.timedelta(days=8)
    assert services.referrals_stale_notify(now=timezone.now() + dt.timedelta(days=6)) == 0
    assert services.referrals_stale_notify(now=later) == 2
    assert services.referrals_stale_notify(now=later) == 0
    texts = set(
        Notification.objects.filter(kind="referral", text__contains="no first contact").values_list(
            "recipient", flat=True
        )
    )
    assert texts == {net.hub.id, net.staff_hfa.id}
    assert Referral.objects.unscoped(reason="test").get(id=referral.id).stale_notified_at is not None
