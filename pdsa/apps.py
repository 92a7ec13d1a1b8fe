from django.apps import AppConfig


class PdsaConfig(AppConfig):
    name = "pdsa"

    def ready(self) -> None:
        from collaboratives.kdd import register_idea_counts
        from measures.charts import register_note_source
        from pdsa.selectors import change_idea_counts, pdsa_chart_notes

        register_note_source(pdsa_chart_notes)
        register_idea_counts(change_idea_counts)
