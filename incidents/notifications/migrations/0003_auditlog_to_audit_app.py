"""The audit log moves to its own app (`audit`): its table is renamed, its rows and
permissions are kept (the content type is relabelled, so granted permissions carry over)."""

from django.db import migrations


def _relabel(apps, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    moving = ContentType.objects.filter(app_label=old, model="auditlog")
    if ContentType.objects.filter(app_label=new, model="auditlog").exists():
        moving.delete()
    else:
        moving.update(app_label=new)


def forwards(apps, schema_editor):
    _relabel(apps, "notifications", "audit")


def backwards(apps, schema_editor):
    _relabel(apps, "audit", "notifications")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("notifications", "0002_webhook_subscribers"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.AlterModelTable("auditlog", "audit_auditlog")],
            state_operations=[migrations.DeleteModel("AuditLog")],
        ),
    ]
