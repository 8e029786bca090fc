"""Schema for the REST API, webhooks, change feed. Reserved so that work on separate areas never forks the migration graph."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("annotations", "0004_search")]

    operations: list[migrations.operations.base.Operation] = []
