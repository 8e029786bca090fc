"""Structured dispute reasons (issue 15, section 3) and the record of speaker merges (section 4).

A disputed quote carries exactly one reason (`Quote.dispute_reason`), and so does the review that
disputed it; every other status carries none. Both are CHECK constraints.

Quotes disputed before reasons existed get `cannot_confirm`, the reason that claims least: their
note still says what the editor found. The review history is append-only (a trigger refuses
UPDATE), so its constraint is added NOT VALID: old decisions stay as they were written, and
PostgreSQL checks every row inserted from now on.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

REASONS = [
    ("wrong_words", "Wrong words"),
    ("wrong_speaker", "Wrong speaker"),
    ("out_of_context", "Out of context"),
    ("never_said", "Never said"),
    ("cannot_confirm", "Cannot confirm"),
]
VALUES = [value for value, _label in REASONS]


def _matches(status_field):
    return models.Q(
        models.Q(("dispute_reason__in", VALUES), (status_field, "disputed")),
        models.Q(models.Q((status_field, "disputed"), _negated=True), ("dispute_reason", "")),
        _connector="OR",
    )


def _check_sql(status_field):
    values = ", ".join(f"'{value}'" for value in VALUES)
    return (
        f"({status_field} = 'disputed' AND dispute_reason IN ({values})) "
        f"OR ({status_field} <> 'disputed' AND dispute_reason = '')"
    )


REVIEW_CONSTRAINT = "review_dispute_reason_matches_status"


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0012_speakers"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="quote",
            name="dispute_reason",
            field=models.CharField(
                blank=True, choices=REASONS, db_default="", default="", max_length=16
            ),
        ),
        migrations.AddField(
            model_name="review",
            name="dispute_reason",
            field=models.CharField(
                blank=True, choices=REASONS, db_default="", default="", max_length=16
            ),
        ),
        migrations.RunSQL(
            "UPDATE annotations_quote SET dispute_reason = 'cannot_confirm' "
            "WHERE status = 'disputed'",
            migrations.RunSQL.noop,
        ),
        migrations.AddConstraint(
            model_name="quote",
            constraint=models.CheckConstraint(
                condition=_matches("status"), name="quote_dispute_reason_matches_status"
            ),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddConstraint(
                    model_name="review",
                    constraint=models.CheckConstraint(
                        condition=_matches("to_status"), name=REVIEW_CONSTRAINT
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f"ALTER TABLE annotations_review ADD CONSTRAINT {REVIEW_CONSTRAINT} "
                    f"CHECK ({_check_sql('to_status')}) NOT VALID",
                    f"ALTER TABLE annotations_review DROP CONSTRAINT {REVIEW_CONSTRAINT}",
                ),
            ],
        ),
        migrations.CreateModel(
            name="SpeakerMerge",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("target_name", models.CharField(max_length=300)),
                ("source_id", models.PositiveBigIntegerField()),
                ("source_name", models.CharField(max_length=300)),
                ("source_title", models.CharField(blank=True, max_length=300)),
                ("aliases_moved", models.PositiveIntegerField()),
                ("quotes_moved", models.PositiveIntegerField()),
                ("merged_at", models.DateTimeField(auto_now_add=True)),
                (
                    "merged_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "target",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="merges_received",
                        to="annotations.speaker",
                    ),
                ),
            ],
            options={"ordering": ["-merged_at", "-id"]},
        ),
    ]
