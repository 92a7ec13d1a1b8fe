from celery import shared_task


@shared_task(acks_late=True)
def referrals_stale_notify() -> int:
    from referrals.services import referrals_stale_notify as notify

    return notify()


@shared_task(acks_late=True)
def referrals_purge() -> int:
    from referrals.services import referrals_purge as purge

    return purge()
