"""Admin for accounts; every change to organizations and memberships goes through services, and
an expert's pool fields are read-only here (changed on the pool page, audited)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.forms import ExpertRecusalForm, OrganizationForm
from accounts.models import (
    Division,
    ExpertProfile,
    ExpertRecusal,
    Membership,
    Organization,
    SocialWorkerProfile,
    User,
)
from accounts.services.experts import AUDITED_FIELDS as EXPERT_AUDITED_FIELDS
from accounts.services.memberships import (
    membership_delete,
    membership_grant,
    membership_update,
)
from accounts.services.organizations import organization_save

# The admin form's names of the fields expert_profile_update audits ("employer_id" → "employer").
EXPERT_POOL_FIELDS = [name.removesuffix("_id") for name in EXPERT_AUDITED_FIELDS]


def _save_membership(request, membership: Membership) -> None:
    if membership.pk is None:
        granted = membership_grant(
            user=membership.user, organization=membership.organization, role=membership.role,
            actor=request.user, is_head=membership.is_head,
        )
        membership.pk = granted.pk
    else:
        membership_update(membership=membership, actor=request.user)


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    fields = ["organization", "role", "is_active", "is_head"]
    autocomplete_fields = ["organization"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("平台信息"), {"fields": ("real_name", "mobile", "language")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("平台信息"), {"fields": ("real_name", "mobile", "language")}),
    )
    list_display = ["username", "real_name", "mobile", "is_staff", "is_active"]
    search_fields = ["username", "real_name", "mobile", "email"]
    inlines = [MembershipInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        for membership in formset.save(commit=False):
            _save_membership(request, membership)
        for membership in formset.deleted_objects:
            membership_delete(membership=membership, actor=request.user)
        formset.save_m2m()


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    form = OrganizationForm
    list_display = ["name", "kind", "credit_code", "division", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "credit_code"]
    autocomplete_fields = ["division"]
    list_select_related = ["division"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"default_actor": request.user})

    def save_model(self, request, obj, form, change):
        organization_save(organization=obj, actor=request.user)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "is_active", "is_head", "created_at"]
    list_filter = ["role", "is_active", "is_head"]
    search_fields = ["user__username", "user__real_name", "organization__name"]
    autocomplete_fields = ["user", "organization"]
    list_select_related = ["user", "organization"]

    def save_model(self, request, obj, form, change):
        _save_membership(request, obj)

    def delete_model(self, request, obj):
        membership_delete(membership=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for membership in queryset.select_related("user", "organization"):
            membership_delete(membership=membership, actor=request.user)


@admin.register(SocialWorkerProfile)
class SocialWorkerProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "qualification", "certificate_number", "code"]
    list_filter = ["qualification"]
    search_fields = ["user__username", "user__real_name", "certificate_number"]
    autocomplete_fields = ["user", "organization"]
    list_select_related = ["user", "organization"]


class ExpertRecusalInline(admin.TabularInline):
    model = ExpertRecusal
    form = ExpertRecusalForm
    extra = 0


@admin.register(ExpertProfile)
class ExpertProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "specialties", "employer", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["user__username", "user__real_name", "specialties"]
    autocomplete_fields = ["user", "employer"]
    list_select_related = ["user", "employer"]
    inlines = [ExpertRecusalInline]

    def get_readonly_fields(self, request, obj=None):
        """Once created, an expert's pool fields change only through the audited
        ``expert_profile_update`` (the pool page, 专家库), and the profile stays its user's."""
        if obj is None:
            return super().get_readonly_fields(request, obj)
        return ["user", *EXPERT_POOL_FIELDS]


# Login lockouts (django-axes): read-only rows, lifted by the audited action below. ---------------

def _axes_admin():
    from axes.admin import AccessAttemptAdmin
    from axes.models import AccessAttempt
    from django.contrib import messages
    from django.utils.translation import gettext

    from accounts.services.logins import login_lock_lift

    class LoginAttemptAdmin(AccessAttemptAdmin):
        """Failed logins per username+address; a platform admin lifts a lock with the action."""

        actions = ["lift_lock"]

        def has_add_permission(self, request):
            return False

        def has_change_permission(self, request, obj=None):
            return False

        def get_actions(self, request):
            actions = super().get_actions(request)
            actions.pop("delete_selected", None)  # unaudited; the action below records who
            return actions

        @admin.action(description=_("解除所选登录锁定"), permissions=["delete"])
        def lift_lock(self, request, queryset):
            count = login_lock_lift(attempts=queryset, actor=request.user)
            self.message_user(request, gettext("已解除 %(count)s 条登录锁定。") % {"count": count},
                              messages.SUCCESS)

    if admin.site.is_registered(AccessAttempt):
        admin.site.unregister(AccessAttempt)
    admin.site.register(AccessAttempt, LoginAttemptAdmin)


_axes_admin()
