"""Notifications of a new kind: the reminder sent before a maintenance starts."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0003_auditlog_to_audit_app"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="notification",
            name="notification_kind_valid",
        ),
        migrations.AlterField(
            model_name="notification",
            name="kind",
            field=models.CharField(
                choices=[
                    ("incident_created", "New incident"),
                    ("incident_updated", "Incident update"),
                    ("incident_resolved", "Incident resolved"),
                    ("postmortem_published", "Postmortem published"),
                    ("maintenance_scheduled", "Maintenance scheduled"),
                    ("maintenance_reminder", "Maintenance reminder"),
                    ("maintenance_started", "Maintenance started"),
                    ("maintenance_completed", "Maintenance completed"),
                ],
                max_length=32,
                verbose_name="kind",
            ),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "kind__in",
                        [
                            "incident_created",
                            "incident_updated",
                            "incident_resolved",
                            "postmortem_published",
                            "maintenance_scheduled",
                            "maintenance_reminder",
                            "maintenance_started",
                            "maintenance_completed",
                        ],
                    )
                ),
                name="notification_kind_valid",
                violation_error_message="kind must be one of: incident_created, incident_updated, incident_resolved, postmortem_published, maintenance_scheduled, maintenance_reminder, maintenance_started, maintenance_completed",
            ),
        ),
    ]
