from django.apps import AppConfig


class CollaborativesConfig(AppConfig):
    name = "collaboratives"

    def ready(self) -> None:
        from collaboratives import checks  # noqa: F401  (registers the system checks)
