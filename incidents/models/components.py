from __future__ import annotations

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import (
    DESCRIPTION_LENGTH,
    PublicIdField,
    Timestamped,
    choices_constraint,
)


class ComponentStatus(models.TextChoices):
    OPERATIONAL = "operational", _("Operational")
    DEGRADED_PERFORMANCE = "degraded_performance", _("Degraded performance")
    PARTIAL_OUTAGE = "partial_outage", _("Partial outage")
    MAJOR_OUTAGE = "major_outage", _("Major outage")
    UNDER_MAINTENANCE = "under_maintenance", _("Under maintenance")

    @classmethod
    def severity(cls, value: str) -> int:
        """Orders statuses from harmless to worst; maintenance ranks below any outage."""
        return _SEVERITY[value]

    @classmethod
    def worst(cls, values) -> ComponentStatus:
        return max(values, key=cls.severity, default=cls.OPERATIONAL)


_SEVERITY = {
    ComponentStatus.OPERATIONAL: 0,
    ComponentStatus.UNDER_MAINTENANCE: 1,
    ComponentStatus.DEGRADED_PERFORMANCE: 2,
    ComponentStatus.PARTIAL_OUTAGE: 3,
    ComponentStatus.MAJOR_OUTAGE: 4,
}


class ComponentGroup(Timestamped):
    """A heading of related components, such as the pods or the products."""

    public_id = PublicIdField()
    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(_("description"), blank=True, max_length=DESCRIPTION_LENGTH)
    position = models.PositiveIntegerField(_("position"), default=0)
    # Its name in the other languages (`incidents.localize`); deleted with the group.
    translations = GenericRelation("incidents.Translation")

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("component group")
        verbose_name_plural = _("component groups")

    def __str__(self) -> str:
        return self.name


class Component(Timestamped):
    """Something customers use and can be broken: a product, or a pod that hosts accounts."""

    public_id = PublicIdField()
    group = models.ForeignKey(
        ComponentGroup,
        verbose_name=_("group"),
        related_name="components",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(_("description"), blank=True, max_length=DESCRIPTION_LENGTH)
    position = models.PositiveIntegerField(_("position"), default=0)
    status = models.CharField(
        _("status"),
        max_length=32,
        choices=ComponentStatus.choices,
        default=ComponentStatus.OPERATIONAL,
    )
    showcase = models.BooleanField(
        _("showcase"), default=True, help_text=_("Show this component on the status page.")
    )
    only_show_if_degraded = models.BooleanField(
        _("only show if degraded"),
        default=False,
        help_text=_("Hide the component from the status page while it is operational."),
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    # Its name and description in the other languages (`incidents.localize`).
    translations = GenericRelation("incidents.Translation")

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("component")
        verbose_name_plural = _("components")
        permissions = [("set_component_status", _("Can change a component's status"))]
        constraints = [
            choices_constraint("status", ComponentStatus, "component_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.group.name} / {self.name}" if self.group_id else self.name

    @property
    def is_visible(self) -> bool:
        if not self.showcase:
            return False
        return not (self.only_show_if_degraded and self.status == ComponentStatus.OPERATIONAL)
