from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("deliberation", "0008_outbox"),
    ]

    operations = [
        migrations.AddField(
            model_name="outboxmessage",
            name="leased_until",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="outboxmessage",
            name="started_at",
            field=models.DateTimeField(
                blank=True, help_text="When a worker started its latest run.", null=True
            ),
        ),
    ]
