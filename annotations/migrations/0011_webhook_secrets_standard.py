"""Re-spell webhook endpoint secrets as Standard Webhooks expects: whsec_ + standard base64.

Release 1.0 generated `whsec_` + URL-safe base64 without padding. Standard Webhooks libraries
decode the part after `whsec_` as standard base64, skipping characters outside its alphabet,
so a secret containing `-` or `_` gave them other key bytes and every signature check failed.
The key bytes stay the same: only their spelling changes, so the deprecated Newsdesk-Signature
header (keyed with the old spelling, services/webhooks.py) keeps verifying for existing
receivers, and the new `webhook-signature` verifies with the secret the admin page now shows.
"""

import base64
import binascii

from django.db import migrations

PREFIX = "whsec_"


def _respell(apps, decode, encode):
    WebhookEndpoint = apps.get_model("annotations", "WebhookEndpoint")
    for endpoint in WebhookEndpoint.objects.only("pk", "secret"):
        encoded = endpoint.secret.removeprefix(PREFIX).rstrip("=")
        try:
            key = decode(encoded + "=" * (-len(encoded) % 4))
        except (binascii.Error, ValueError):
            continue  # not a secret we generated; leave it as it is
        secret = PREFIX + encode(key)
        if secret != endpoint.secret:
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(secret=secret)


def to_standard(apps, schema_editor):
    # urlsafe_b64decode also reads a secret already in standard base64 (+ and / pass through).
    _respell(apps, base64.urlsafe_b64decode, lambda key: base64.b64encode(key).decode("ascii"))


def to_urlsafe(apps, schema_editor):
    _respell(
        apps,
        lambda encoded: base64.b64decode(encoded, validate=True),
        lambda key: base64.urlsafe_b64encode(key).decode("ascii").rstrip("="),
    )


class Migration(migrations.Migration):
    dependencies = [("annotations", "0010_app_role_and_claim_heartbeat")]

    operations = [migrations.RunPython(to_standard, to_urlsafe, elidable=False)]
