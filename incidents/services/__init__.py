"""Every write to the status page goes through a function here.

The admin, the management commands and the APIs call these; none of them saves a model on
its own. Each service validates its input, raises ``ValidationError`` (changing nothing) when
it is wrong, and runs in one transaction.
"""

from .components import (
    component_delete,
    component_save,
    component_set_status,
    group_delete,
    group_save,
)
from .incidents import (
    incident_create,
    incident_delete,
    incident_edit,
    incident_resolve,
    update_edit,
    update_post,
)

__all__ = [
    "component_delete",
    "component_save",
    "component_set_status",
    "group_delete",
    "group_save",
    "incident_create",
    "incident_delete",
    "incident_edit",
    "incident_resolve",
    "update_edit",
    "update_post",
]
