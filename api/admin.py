"""Admin of API tokens: platform admins see, issue (the key is shown once) and revoke them."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from accounts.permissions import PLATFORM_ADMIN
from api.models import ApiToken
from api.services import token_issue, token_revoke
from core.exceptions import PermissionDenied, ServiceError


class ApiTokenIssueForm(forms.ModelForm):
    """Issues the token in clean() through the service, so a refusal is a form error."""

    days = forms.IntegerField(label=_("有效天数"), min_value=1, initial=90)
    request = None  # set by ApiTokenAdmin.get_form

    class Meta:
        model = ApiToken
        fields = ["name", "user", "organization"]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            self.issued = token_issue(actor=self.request.user, user=data["user"],
                                      organization=data.get("organization"), name=data["name"],
                                      days=data["days"])
        except (ServiceError, PermissionDenied) as exc:
            raise forms.ValidationError(getattr(exc, "messages", None) or exc.reason) from exc
        return data


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "user", "organization", "created_at", "expires_at",
                    "revoked_at", "last_used_at"]
    list_select_related = ["user", "organization"]
    search_fields = ["name", "prefix", "user__username", "organization__name"]
    raw_id_fields = ["user", "organization"]
    actions = ["revoke"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = type("ApiTokenIssueForm", (ApiTokenIssueForm,), {"request": request})
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["name", "prefix", "user", "organization", "created_by", "created_at",
                "expires_at", "revoked_at", "revoked_by", "last_used_at"]

    # Platform admins (the rule accounts.administer_user); no model permission rows needed.
    def has_module_permission(self, request):
        return request.user.has_perm(PLATFORM_ADMIN)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(PLATFORM_ADMIN)

    def has_add_permission(self, request):
        return request.user.has_perm(PLATFORM_ADMIN)

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm(PLATFORM_ADMIN)

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the audit log keeps pointing at the token

    def save_model(self, request, obj, form, change):
        if change:
            return  # every field is read-only once issued
        token, key = form.issued
        obj.__dict__.update({k: v for k, v in token.__dict__.items() if k != "_state"})
        obj._state.adding = False
        messages.warning(request, _("令牌 %(name)s 已签发，请立即复制，之后无法再次查看：%(key)s") % {
            "name": token.name, "key": key})

    @admin.action(description=_("吊销所选令牌"))
    def revoke(self, request, queryset):
        done = 0
        for token in queryset.filter(revoked_at__isnull=True):
            try:
                token_revoke(actor=request.user, token=token)
            except (ServiceError, PermissionDenied):
                continue
            done += 1
        self.message_user(request, _("已吊销 %(n)s 个令牌。") % {"n": done})
