from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Queue webhook deliveries that are due but not queued (Redis was down, a worker died)."

    def handle(self, *args: Any, **options: Any) -> None:
        from annotations.services.webhooks import webhook_sweep

        queued = webhook_sweep()
        self.stdout.write(f"Queued {queued} webhook deliveries.")
