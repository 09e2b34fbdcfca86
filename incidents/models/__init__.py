from .components import Component, ComponentGroup, ComponentStatus
from .incidents import (
    ACTIVE_STATUSES,
    FINISHED_STATUSES,
    Impact,
    Incident,
    IncidentComponent,
    IncidentKind,
    IncidentStatus,
    IncidentUpdate,
    Maintenance,
    MaintenanceStatus,
    UpdateComponentChange,
)
from .page import Page
from .postmortems import Postmortem, PostmortemStatus, RemediationItem, RemediationState
from .templates import IncidentTemplate
from .translations import TRANSLATABLE_FIELDS, Translation, source_revision

__all__ = [
    "ACTIVE_STATUSES",
    "FINISHED_STATUSES",
    "TRANSLATABLE_FIELDS",
    "Component",
    "ComponentGroup",
    "ComponentStatus",
    "Impact",
    "Incident",
    "IncidentComponent",
    "IncidentKind",
    "IncidentStatus",
    "IncidentTemplate",
    "IncidentUpdate",
    "Maintenance",
    "MaintenanceStatus",
    "Page",
    "Postmortem",
    "PostmortemStatus",
    "RemediationItem",
    "RemediationState",
    "Translation",
    "UpdateComponentChange",
    "source_revision",
]
