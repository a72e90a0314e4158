"""A sequence numbering the live tally events (deliberation/services/voting.py):
a page keeps the tally with the highest number, whatever order events arrive
in. PostgreSQL only: elsewhere tallies are sent unnumbered."""

from django.db import migrations

SEQUENCE = "deliberation_tally_version"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP SEQUENCE IF EXISTS {SEQUENCE}")


class Migration(migrations.Migration):
    dependencies = [
        ("deliberation", "0009_outbox_leases"),
    ]

    operations = [migrations.RunPython(create, drop)]
