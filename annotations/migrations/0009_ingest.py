"""Batches uploaded through the desk, and a fingerprint of each article body for duplicates.

The fingerprint of the articles already stored is computed here, in chunks, so duplicate
detection covers the whole archive from the first upload on.
"""

import django.db.models.deletion
import django.db.models.expressions
from django.conf import settings
from django.db import migrations, models


def fill_fingerprints(apps, schema_editor):
    from annotations.models.articles import body_fingerprint

    Article = apps.get_model("annotations", "Article")
    pending = Article.objects.filter(body_fingerprint="").order_by("pk")
    while True:
        batch = list(pending.only("pk", "body")[:500])
        if not batch:
            return
        for article in batch:
            article.body_fingerprint = body_fingerprint(article.body)
        Article.objects.bulk_update(batch, ["body_fingerprint"])


class Migration(migrations.Migration):

    dependencies = [
        ('annotations', '0008_label_validators'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='IngestBatch',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('filename', models.CharField(max_length=255)),
                ('format', models.CharField(choices=[('jsonl', 'JSON Lines'), ('csv', 'CSV')], max_length=8)),
                ('content', models.TextField(blank=True, help_text='The upload, kept until the batch is done.')),
                ('status', models.CharField(choices=[('queued', 'Queued'), ('running', 'Importing'), ('done', 'Done'), ('failed', 'Failed')], default='queued', max_length=16)),
                ('error', models.TextField(blank=True)),
                ('total', models.PositiveIntegerField(blank=True, help_text='Rows in the file.', null=True)),
                ('processed', models.PositiveIntegerField(default=0)),
                ('accepted', models.PositiveIntegerField(default=0)),
                ('duplicates', models.PositiveIntegerField(default=0)),
                ('refused', models.PositiveIntegerField(default=0)),
                ('started_at', models.DateTimeField(blank=True, null=True)),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'verbose_name_plural': 'ingest batches',
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='IngestRow',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveIntegerField(help_text='1-based row number in the file.')),
                ('source', models.CharField(help_text='Where in the file, e.g. line 12.', max_length=300)),
                ('outcome', models.CharField(choices=[('accepted', 'Imported'), ('duplicate', 'Duplicate'), ('refused', 'Refused')], max_length=16)),
                ('reason', models.TextField(blank=True)),
            ],
            options={
                'ordering': ['batch_id', 'position'],
            },
        ),
        migrations.AddField(
            model_name='article',
            name='body_fingerprint',
            field=models.CharField(default='', editable=False, max_length=64),
        ),
        migrations.AddIndex(
            model_name='article',
            index=models.Index(fields=['body_fingerprint'], name='article_body_fingerprint_idx'),
        ),
        migrations.AddField(
            model_name='ingestbatch',
            name='created_by',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='ingest_batches', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='ingestrow',
            name='article',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='annotations.article'),
        ),
        migrations.AddField(
            model_name='ingestrow',
            name='batch',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rows', to='annotations.ingestbatch'),
        ),
        migrations.AddConstraint(
            model_name='ingestbatch',
            constraint=models.CheckConstraint(condition=models.Q(('processed', django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(models.F('accepted'), '+', models.F('duplicates')), '+', models.F('refused')))), name='ingestbatch_counts_add_up'),
        ),
        migrations.AddConstraint(
            model_name='ingestbatch',
            constraint=models.CheckConstraint(condition=models.Q(('total__isnull', True), ('processed__lte', models.F('total')), _connector='OR'), name='ingestbatch_processed_within_total'),
        ),
        migrations.AddConstraint(
            model_name='ingestbatch',
            constraint=models.CheckConstraint(condition=models.Q(('format__in', ['jsonl', 'csv'])), name='ingestbatch_format_valid'),
        ),
        migrations.AddConstraint(
            model_name='ingestrow',
            constraint=models.UniqueConstraint(fields=('batch', 'position'), name='ingestrow_unique_position'),
        ),
        migrations.AddConstraint(
            model_name='ingestrow',
            constraint=models.CheckConstraint(condition=models.Q(('outcome__in', ['accepted', 'duplicate', 'refused'])), name='ingestrow_outcome_valid'),
        ),
        migrations.RunPython(fill_fingerprints, migrations.RunPython.noop),
    ]
