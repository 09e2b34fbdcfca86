from .components import Component, ComponentGroup, ComponentStatus
from .incidents import (
    Impact,
    Incident,
    IncidentComponent,
    IncidentStatus,
    IncidentUpdate,
    UpdateComponentChange,
)

__all__ = [
    "Component",
    "ComponentGroup",
    "ComponentStatus",
    "Impact",
    "Incident",
    "IncidentComponent",
    "IncidentStatus",
    "IncidentUpdate",
    "UpdateComponentChange",
]
