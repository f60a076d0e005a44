"""The REST API's permission class: the object question asked through core.authz."""

from rest_framework.permissions import IsAuthenticated


class ObjectRulePermission(IsAuthenticated):
    """Allow a signed-in user on an object only when ``user.has_perm(view.object_permission, obj)``.

    A refusal raises core ``PermissionDenied``, which ``core.exceptions.api_exception_handler``
    answers with the view's 404 (the same answer as a missing object).
    """

    def has_object_permission(self, request, view, obj) -> bool:
        from core import authz

        authz.require(request.user, view.object_permission, obj)
        return True
