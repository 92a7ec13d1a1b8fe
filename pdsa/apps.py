from django.apps import AppConfig


class PdsaConfig(AppConfig):
    name = "pdsa"
