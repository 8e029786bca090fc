"""Drop the single-column foreign-key indexes on quotes.

The unique (article_id, start, end) index and the (speaker_id, status) index lead with those
columns and serve every lookup by either (joins, cascades, SET NULL); the extra indexes only
cost every pre-highlight insert. Only the indexes go: Django's AlterField would also drop and
re-add (re-validate) the foreign-key constraints, which scans the whole table for nothing.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("annotations", "0006_pipeline")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS annotations_quote_article_id_b9b651e0;",
                    reverse_sql=(
                        "CREATE INDEX IF NOT EXISTS annotations_quote_article_id_b9b651e0 "
                        "ON annotations_quote (article_id);"
                    ),
                ),
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS annotations_quote_speaker_id_a6f2bdd0;",
                    reverse_sql=(
                        "CREATE INDEX IF NOT EXISTS annotations_quote_speaker_id_a6f2bdd0 "
                        "ON annotations_quote (speaker_id);"
                    ),
                ),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="quote",
                    name="article",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="quotes",
                        to="annotations.article",
                    ),
                ),
                migrations.AlterField(
                    model_name="quote",
                    name="speaker",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="quotes",
                        to="annotations.speaker",
                    ),
                ),
            ],
        )
    ]
