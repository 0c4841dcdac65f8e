"""Unit types and membership roles (PRODUCT.md C1, Security)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County")
    DEPARTMENT = "department", _("Department")
    SECTION = "section", _("Section")
    POST = "post", _("Post")
    LEADERSHIP_GROUP = "leadership_group", _("Leadership group")
    OFFICE = "office", _("Office")
    WORKING_GROUP = "working_group", _("Working group")


class Role(models.TextChoices):
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    SECURITY_AUDITOR = "security_auditor", _("Security auditor")
    PERF_OFFICE = "perf_office", _("Performance office")
    LEADER = "leader", _("Leader")
    UNIT_LEADER = "unit_leader", _("Unit leader")
    UNIT_COORDINATOR = "unit_coordinator", _("Unit coordinator")
    STAFF = "staff", _("Staff")
    EVALUATOR = "evaluator", _("Evaluator")
    THIRD_PARTY_EVALUATOR = "third_party_evaluator", _("Third-party evaluator")
