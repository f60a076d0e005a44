"""Admin: read-only for platform admins; targets, profiles and volunteers change through the
planning pages and services (permission-checked, audited)."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin
from planning.models import CommunityProfile, PlanTarget, Volunteer


@admin.register(PlanTarget)
class PlanTargetAdmin(ReadOnlyAdmin):
    list_display = ["plan", "year", "division", "area", "indicator", "value", "binding"]
    list_filter = ["year", "indicator", "area"]
    list_select_related = ["division"]


@admin.register(CommunityProfile)
class CommunityProfileAdmin(ReadOnlyAdmin):
    list_display = ["division", "area", "population", "households", "updated_at"]
    list_select_related = ["division"]


@admin.register(Volunteer)
class VolunteerAdmin(ReadOnlyAdmin):
    list_display = ["name", "community", "registered_on", "left_on"]
    list_select_related = ["community"]
