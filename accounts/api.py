"""REST endpoints for accounts (platform admins only)."""

from rest_framework import generics
from rest_framework.permissions import BasePermission

from accounts.models import Organization
from accounts.permissions import PLATFORM_ADMIN
from accounts.serializers import OrganizationSerializer


class IsPlatformAdmin(BasePermission):
    """Allow platform admins (the rule accounts.administer_user: superuser or admin membership)."""

    def has_permission(self, request, view):
        return request.user.has_perm(PLATFORM_ADMIN)


class OrganizationListCreateApi(generics.ListCreateAPIView):
    """List organizations or create one (GET/POST /api/organizations/)."""

    serializer_class = OrganizationSerializer
    permission_classes = [IsPlatformAdmin]
    queryset = Organization.objects.order_by("pk")
