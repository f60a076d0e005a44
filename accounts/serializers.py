"""REST serializers for accounts."""

import copy

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from accounts.models import Organization
from accounts.services.organizations import organization_save, organization_validate


class OrganizationSerializer(serializers.ModelSerializer):
    """An organization; writes validate the credit code exactly as the forms do."""

    class Meta:
        model = Organization
        fields = [
            "id", "name", "kind", "division", "credit_code", "credit_code_override_reason",
            "legal_representative", "contact_person", "contact_phone", "rating", "is_active",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]

    def _actor(self):
        request = self.context.get("request")
        return getattr(request, "user", None)

    def validate(self, attrs):
        instance = copy.copy(self.instance) if self.instance is not None else Organization()
        for name, value in attrs.items():
            setattr(instance, name, value)
        try:
            organization_validate(organization=instance, actor=self._actor())
        except DjangoValidationError as error:
            raise serializers.ValidationError(serializers.as_serializer_error(error)) from None
        attrs["credit_code"] = instance.credit_code
        attrs["credit_code_override_reason"] = instance.credit_code_override_reason
        return attrs

    def create(self, validated_data):
        return organization_save(organization=Organization(**validated_data), actor=self._actor())

    def update(self, instance, validated_data):
        for name, value in validated_data.items():
            setattr(instance, name, value)
        return organization_save(organization=instance, actor=self._actor())
