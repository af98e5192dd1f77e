"""Re-key erasure tombstones from bare SHA-256 digests to HMAC(ERASURE_HMAC_KEY, digest).

Tombstones stored sha256(normalised identifier). The new key is HMAC(secret, sha256(value)),
so each stored digest is converted as it is, without the erased values (which are gone).
Irreversible: the digests cannot be recovered from their HMACs.
"""

import hashlib
import hmac

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import migrations

FIELDS = ("email_hash", "profile_hash", "person_hash")


def rekey_tombstones(apps, schema_editor):
    tombstone_model = apps.get_model("candidates", "ErasureTombstone")
    rows = tombstone_model.objects.all()
    if not rows.exists():
        return
    key = settings.ERASURE_HMAC_KEY
    if not key:
        raise ImproperlyConfigured(
            "ERASURE_HMAC_KEY must be set before tombstones can be re-keyed (migrate again "
            "once it is; nothing was changed)."
        )

    def rekey(digest: str) -> str:
        return hmac.new(key.encode(), digest.encode(), hashlib.sha256).hexdigest() if digest else ""

    batch = []
    for tombstone in rows.only("pk", *FIELDS).iterator(chunk_size=2000):
        for field in FIELDS:
            setattr(tombstone, field, rekey(getattr(tombstone, field)))
        batch.append(tombstone)
        if len(batch) >= 2000:
            tombstone_model.objects.bulk_update(batch, FIELDS)
            batch = []
    if batch:
        tombstone_model.objects.bulk_update(batch, FIELDS)


class Migration(migrations.Migration):
    dependencies = [
        ("candidates", "0002_verbose_names"),
    ]

    operations = [
        migrations.RunPython(rekey_tombstones, elidable=False),
    ]
