"""Forms for organizations, divisions and the user's interface language."""

from django import forms
from django.core.exceptions import ValidationError

from accounts.models import ExpertRecusal, Organization, User
from accounts.services.organizations import organization_save, organization_validate
from accounts.validators import normalize_credit_code


class OrganizationForm(forms.ModelForm):
    """Create or edit an organization; pass actor= (the admin sets default_actor per request)."""

    default_actor = None

    class Meta:
        model = Organization
        fields = [
            "name", "kind", "division", "credit_code", "credit_code_override_reason",
            "legal_representative", "contact_person", "contact_phone", "rating", "is_active",
        ]

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor if actor is not None else self.default_actor

    def clean_credit_code(self):
        return normalize_credit_code(self.cleaned_data.get("credit_code"))

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        try:
            # The same check organization_save runs, including the admin-only override.
            organization_validate(organization=self.instance, actor=self.actor)
        except ValidationError as error:
            self._update_errors(error)

    def save(self, commit=True):
        if not commit:
            return super().save(commit=False)
        organization = organization_save(organization=self.instance, actor=self.actor)
        self._save_m2m()
        return organization


class ExpertRecusalForm(forms.ModelForm):
    class Meta:
        model = ExpertRecusal
        fields = ["credit_code", "unit_name", "reason"]

    def clean_credit_code(self):
        return normalize_credit_code(self.cleaned_data.get("credit_code"))


class UserLanguageForm(forms.Form):
    """Choose the interface language (unbound to the user, so the service sees the change)."""

    language = forms.ChoiceField(choices=User._meta.get_field("language").choices)
