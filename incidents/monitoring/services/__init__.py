"""Every write of monitoring goes through a function here: the admin, the management API, the
hook and the beat tasks call these; none of them saves a model on its own."""

from .alerts import hook_receive, integration_record_error, settle_due, steer
from .heartbeat import heartbeats_check
from .integrations import (
    hook_url,
    integration_by_secret,
    integration_create,
    integration_delete,
    integration_rotate,
    integration_update,
)

__all__ = [
    "heartbeats_check",
    "hook_receive",
    "hook_url",
    "integration_by_secret",
    "integration_create",
    "integration_delete",
    "integration_record_error",
    "integration_rotate",
    "integration_update",
    "settle_due",
    "steer",
]
