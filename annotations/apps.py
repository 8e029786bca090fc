from django.apps import AppConfig


class AnnotationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "annotations"
    verbose_name = "Quote annotations"

    def ready(self) -> None:
        from annotations.services import webhooks  # noqa: F401 - registers the webhook listeners
