from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations.services.demo import DEMO_USERS, demo_load


class Command(BaseCommand):
    help = "Load the demo article, the speaker registry and demo accounts (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-users", action="store_true", help="Do not create the demo accounts."
        )
        parser.add_argument(
            "--allow-demo-users-in-production",
            action="store_true",
            help="Create the demo accounts even when DEBUG is off (they have known passwords).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with_users = not options["no_users"]
        if with_users and not settings.DEBUG and not options["allow_demo_users_in_production"]:
            raise CommandError(
                "Refusing to create demo accounts with known passwords while DEBUG is off; "
                "pass --no-users or --allow-demo-users-in-production."
            )
        result = demo_load(with_users=with_users)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data: {result.speakers} speakers, {result.articles_created} article(s) "
                f"created, {result.articles_existing} already present, "
                f"{result.users_created} account(s) created."
            )
        )
        if with_users:
            for username, password, role, _ in DEMO_USERS:
                self.stdout.write(f"  {role:<9} login: {username} / {password}")
