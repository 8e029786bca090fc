"""The worker knows every task the app publishes or schedules, through autodiscovery alone."""

import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]

PUBLISHED = {
    "annotations.article_prehighlight_batch",
    "annotations.webhook_deliver",
    "annotations.ingest_batch",
}


def test_worker_registers_every_published_and_scheduled_task():
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    # A fresh interpreter, as a worker starts: only the Celery app and its autodiscovery.
    script = (
        "import django; django.setup()\n"
        "from newsdesk.celery_app import app\n"
        "app.loader.import_default_modules()\n"
        "print('\\n'.join(sorted(app.tasks)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={
            "DJANGO_SETTINGS_MODULE": "newsdesk.settings",
            "DJANGO_DEBUG": "1",
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert scheduled, "the beat schedule names tasks"
    assert PUBLISHED | scheduled <= set(out)
