from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations.models import ApiClient


class Command(BaseCommand):
    help = (
        "Create an API key for a user and print it once (it is stored only as a hash). The key "
        "acts as its owner narrowed by its scope: read keys only read; review keys also write "
        "while the owner is an editor or admin."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="What the key is for, e.g. 'Production CMS'.")
        parser.add_argument("--owner", required=True, help="Username of the key's owner.")
        parser.add_argument("--scope", choices=ApiClient.Scope.values, default=ApiClient.Scope.READ)

    def handle(self, *args: Any, **options: Any) -> None:
        from annotations.services.api_clients import api_client_create

        owner = get_user_model().objects.filter(username=options["owner"]).first()
        if owner is None:
            raise CommandError(f"No user named {options['owner']!r}.")
        client, key = api_client_create(name=options["name"], owner=owner, scope=options["scope"])
        self.stderr.write(
            f"Created {client.scope} key “{client.name}” for {owner.get_username()}; it will "
            "not be shown again:"
        )
        self.stdout.write(key)
