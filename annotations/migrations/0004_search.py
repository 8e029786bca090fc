"""Schema for the search (helper: reporter search). Reserved so that work on separate areas never forks the migration graph."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("annotations", "0003_roles")]

    operations: list[migrations.operations.base.Operation] = []
