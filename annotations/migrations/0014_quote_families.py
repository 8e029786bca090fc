"""Quote families (issue 17, docs/families.md).

One membership row per quote with its normalised text and the hashes of its word 5-grams; a GIN
index on the hashes (`&&`) finds the earlier quotes sharing a run of five words. The similarity
that decides "wording differs" is pg_trgm's, enabled by 0004_search (TrigramExtension, run as
the owner); nothing here needs another extension. The app role gets its rights on both tables
from the default privileges of 0010.
"""

import django.contrib.postgres.fields
import django.contrib.postgres.indexes
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0013_dispute_reasons"),
    ]

    operations = [
        migrations.CreateModel(
            name="QuoteFamily",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("size", models.PositiveIntegerField(default=1)),
                ("first_published_at", models.DateTimeField(blank=True, null=True)),
                ("wording_differs", models.BooleanField(default=False)),
                ("speakers_differ", models.BooleanField(default=False)),
                ("conflict", models.BooleanField(default=False)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "first_quote",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="annotations.quote",
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "quote families",
            },
        ),
        migrations.CreateModel(
            name="QuoteFamilyMember",
            fields=[
                (
                    "quote",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="family_member",
                        serialize=False,
                        to="annotations.quote",
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("first", "First seen"),
                            ("identical", "Identical"),
                            ("part_of", "Part of"),
                            ("wording_differs", "Wording differs"),
                        ],
                        max_length=16,
                    ),
                ),
                ("similarity", models.FloatField(default=1.0)),
                ("normalized", models.TextField()),
                (
                    "shingles",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.IntegerField(), blank=True, default=list, size=None
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "family",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="members",
                        to="annotations.quotefamily",
                    ),
                ),
                (
                    "linked_to",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="annotations.quote",
                    ),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="quotefamily",
            index=models.Index(
                condition=models.Q(("conflict", True)),
                fields=["conflict"],
                name="family_conflict_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="quotefamilymember",
            index=django.contrib.postgres.indexes.GinIndex(
                fastupdate=False, fields=["shingles"], name="family_member_shingles_gin"
            ),
        ),
        migrations.AlterField(
            model_name="webhookdelivery",
            name="event_type",
            field=models.CharField(
                choices=[
                    ("quote.verified", "Quote verified"),
                    ("quote.disputed", "Quote disputed"),
                    ("quote.reverted", "Verdict withdrawn (back to candidate / not a quote)"),
                    ("quote.deleted", "Quote with a verdict deleted"),
                    ("family.conflict", "Same words verified in one article, disputed in another"),
                    ("family.wording_differs", "Same quote, wording differs (misquote)"),
                    (
                        "family.speakers_differ",
                        "Same quote, credited to another speaker (misattribution)",
                    ),
                ],
                max_length=40,
            ),
        ),
        migrations.AlterField(
            model_name="webhookendpoint",
            name="events",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.CharField(
                    choices=[
                        ("quote.verified", "Quote verified"),
                        ("quote.disputed", "Quote disputed"),
                        ("quote.reverted", "Verdict withdrawn (back to candidate / not a quote)"),
                        ("quote.deleted", "Quote with a verdict deleted"),
                        (
                            "family.conflict",
                            "Same words verified in one article, disputed in another",
                        ),
                        ("family.wording_differs", "Same quote, wording differs (misquote)"),
                        (
                            "family.speakers_differ",
                            "Same quote, credited to another speaker (misattribution)",
                        ),
                    ],
                    max_length=40,
                ),
                default=list,
                help_text="Events sent to this endpoint.",
                size=None,
            ),
        ),
        migrations.RemoveConstraint(
            model_name="webhookendpoint",
            name="webhookendpoint_events_known",
        ),
        migrations.AddConstraint(
            model_name="webhookendpoint",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "events__contained_by",
                        [
                            "quote.verified",
                            "quote.disputed",
                            "quote.reverted",
                            "quote.deleted",
                            "family.conflict",
                            "family.wording_differs",
                            "family.speakers_differ",
                        ],
                    )
                ),
                name="webhookendpoint_events_known",
            ),
        ),
    ]
