"""Schema for the pre-highlight pipeline. Reserved so that work on separate areas never forks the migration graph."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("annotations", "0005_api")]

    operations: list[migrations.operations.base.Operation] = []
