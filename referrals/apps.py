from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "referrals"
    verbose_name = "Coordinated intake and referral"

    def ready(self) -> None:
        from referrals import checks  # noqa: F401 (registers the system checks)
