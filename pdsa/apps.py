from django.apps import AppConfig


class PdsaConfig(AppConfig):
    name = "pdsa"

    def ready(self) -> None:
        from measures.charts import register_note_source
        from pdsa.selectors import pdsa_chart_notes

        register_note_source(pdsa_chart_notes)
