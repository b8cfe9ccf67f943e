from django.apps import AppConfig


class O2OConfig(AppConfig):
    name = "o2o"
    verbose_name = "O2O"

    def ready(self) -> None:
        from . import lookups

        lookups.register()
