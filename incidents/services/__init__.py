"""Every write to the status page goes through a function here.

The admin, the management commands and the APIs call these; none of them saves a model on
its own. Each service validates its input, raises ``ValidationError`` (changing nothing) when
it is wrong, and runs in one transaction.
"""

from .components import (
    component_delete,
    component_save,
    component_set_status,
    components_move,
    group_delete,
    group_save,
    group_set_members,
)
from .incidents import (
    incident_create,
    incident_delete,
    incident_draft_open,
    incident_edit,
    incident_resolve,
    update_edit,
    update_post,
)
from .maintenance import (
    maintenance_complete,
    maintenance_edit,
    maintenance_run_due,
    maintenance_schedule,
    maintenance_send_reminders,
    maintenance_set_components,
    maintenance_start,
    maintenance_update_post,
    maintenance_verify,
)
from .postmortems import (
    postmortem_delete,
    postmortem_publish,
    postmortem_revert,
    postmortem_save_draft,
    remediation_item_add,
    remediation_item_delete,
    remediation_item_update,
    remediation_items_reorder,
)
from .templates import incident_template_delete, incident_template_save
from .translations import (
    translation_delete,
    translation_mark_reviewed,
    translation_save,
    translations_fill_machine,
)
from .users import staff_create, staff_deactivate, staff_role, staff_set_role

__all__ = [
    "component_delete",
    "component_save",
    "component_set_status",
    "components_move",
    "group_delete",
    "group_save",
    "group_set_members",
    "incident_create",
    "incident_delete",
    "incident_draft_open",
    "incident_edit",
    "incident_resolve",
    "incident_template_delete",
    "incident_template_save",
    "maintenance_complete",
    "maintenance_edit",
    "maintenance_run_due",
    "maintenance_schedule",
    "maintenance_send_reminders",
    "maintenance_set_components",
    "maintenance_start",
    "maintenance_update_post",
    "maintenance_verify",
    "postmortem_delete",
    "postmortem_publish",
    "postmortem_revert",
    "postmortem_save_draft",
    "remediation_item_add",
    "remediation_item_delete",
    "remediation_item_update",
    "remediation_items_reorder",
    "staff_create",
    "staff_deactivate",
    "staff_role",
    "staff_set_role",
    "translation_delete",
    "translation_mark_reviewed",
    "translation_save",
    "translations_fill_machine",
    "update_edit",
    "update_post",
]
