"""REST endpoints for accounts (platform admins only)."""

from rest_framework import generics
from rest_framework.permissions import BasePermission

from accounts.models import Organization
from accounts.selectors import is_platform_admin
from accounts.serializers import OrganizationSerializer


class IsPlatformAdmin(BasePermission):
    """Allow superusers and holders of the platform admin role."""

    def has_permission(self, request, view):
        return is_platform_admin(request.user)


class OrganizationListCreateApi(generics.ListCreateAPIView):
    """List organizations or create one (GET/POST /api/organizations/)."""

    serializer_class = OrganizationSerializer
    permission_classes = [IsPlatformAdmin]
    queryset = Organization.objects.order_by("pk")
