from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "measures"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from measures import learning, points, signals, tasks
        from measures.charts.recompute import RefreshTasks

        RefreshTasks.one, RefreshTasks.many = tasks.runchart_refresh, tasks.runchart_refresh_many
        signals.connect()
        learning.connect()
        connection_created.connect(points.json_read_as_text, dispatch_uid="measures.json_read_as_text")
