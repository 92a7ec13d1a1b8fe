from celery import shared_task


@shared_task(acks_late=True)
def referrals_stale_notify() -> int:
    from referrals.services import referrals_stale_notify as notify

    return notify()


@shared_task(acks_late=True)
def referrals_purge() -> int:
    from referrals.services import referrals_purge as purge

    return purge()


@shared_task(acks_late=True)
def intake_measures_record_due() -> int:
    from django.utils import timezone

    from referrals.intake_measures import intake_measures_record_due as record

    return record(today=timezone.localdate())
