"""Backups: the whole status page as one JSON document, and its all-or-nothing restore.

`export_status()` writes components, groups, incidents and maintenance (with their updates,
component changes, affected components and postmortems with remediation items), incident
templates, subscribers (state, language, components, followed incidents and the keys their
links are signed with, so links in mails already sent keep working) and the notification
history, translations (of the incidents' texts and of the components' and groups' names and
descriptions, with their review and the English revision they were made from) and the
account → pod mapping, the monitoring integrations (with their secret's hash, so their URLs
keep working) and the metric providers and metrics with their points and buckets. Draft
incidents are kept, still drafts. Webhook subscribers keep their endpoint and signing secret.
Public ids and timestamps are kept, so a restored site serves the same pages and API answers.

Not exported: staff accounts and API keys (credentials belong to the new installation;
authors and publishers are matched again by username when such a user exists), delivery
rows and the audit log (operational records of the old installation), and the alerts
firing when the backup was taken (Alertmanager sends them again, every repeat interval).

`import_status()` is a restore, not a series of staff actions: it does not post updates or
record notifications, so nobody is mailed. It checks the format, validates every object
(`full_clean`) and every reference before anything is kept, and runs in one transaction: a
document with one bad value leaves the database as it was. A send that was queued or in
progress when the backup was taken is restored as stopped, so a restore never sends mail on
its own; one awaiting staff review waits for them again.
"""

from .export import export_status
from .restore import import_status, is_empty

__all__ = ["export_status", "import_status", "is_empty"]
