"""The OpenAPI schema documents the errors every API view can answer, not only its success.

``ErrorDocumentingAutoSchema`` (``REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]``) adds to each
operation the error responses its view can give, read from the view itself, so new views (and
the /api/v1/ ones) are documented without a decorator:

- 400 ``ValidationError`` — writes (POST/PUT/PATCH): a field's errors ``{"<field>": [...]}``,
  or ``{"detail": ...}`` for a malformed body or a business rule's refusal (ServiceError).
- 401 ``Error`` — when the first authentication class of the view challenges (answers a
  ``WWW-Authenticate`` header, e.g. a bearer token); session authentication answers 403 instead.
- 403 ``Error`` — the view has a permission other than AllowAny (not signed in, not allowed),
  and every write (CSRF).
- 404 ``Error`` — a path with parameters (missing, or refused by a rule: the same answer), a
  paginated list (page out of range), a ``format`` query parameter (unknown format).
- 415 ``Error`` — writes with a body of another media type than the view parses.
- 429 ``Error`` with ``Retry-After`` — the view is throttled.

A response an operation documents itself (``extend_schema(responses=...)``) is kept as it is.
Bodies: ``core.exceptions.api_exception_handler`` answers ``{"detail": "<message>"}``.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import AllowAny

ERROR = "Error"
VALIDATION_ERROR = "ValidationError"
WRITE_METHODS = {"POST", "PUT", "PATCH"}

ERROR_SCHEMA = {
    "type": "object",
    "description": "An error: the message in the user's language, and maybe a machine code.",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
    },
    "required": ["detail"],
}
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": ("Refused input: for each field its messages ({\"price\": [\"...\"]}), or "
                    "{\"detail\": \"...\"} for a malformed body or a business rule's refusal."),
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "non_field_errors": {"type": "array", "items": {"type": "string"}},
    },
    "additionalProperties": {},
}

DESCRIPTIONS = {
    "400": _("请求内容不符合要求。"),
    "401": _("未提供或无效的身份凭证。"),
    "403": _("未登录或无权执行该操作。"),
    "404": _("未找到，或无权查看。"),
    "415": _("不支持的请求内容类型。"),
    "429": _("请求过于频繁，请稍后再试。"),
}


class ErrorDocumentingAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, plus the error responses of the view (module docstring)."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        for code, component in self.error_codes(operation):
            if code not in responses:
                responses[code] = self._error_response(code, component)
        return operation

    def get_paginated_name(self, serializer_name: str) -> str:
        """A cursor-paginated list (next/previous, no count) is another component than a
        page-numbered one of the same serializer (count): /api/ and /api/v1/ both list bids."""
        if isinstance(self._get_paginator(), CursorPagination):
            return f"Cursor{serializer_name}List"
        return super().get_paginated_name(serializer_name)

    def error_codes(self, operation) -> list[tuple[str, str]]:
        """Return (status code, body component) of each error this operation can answer."""
        view = self.view
        write = self.method in WRITE_METHODS
        parameters = operation.get("parameters", [])
        codes = []
        if write:
            codes.append(("400", VALIDATION_ERROR))
        # DRF answers 401 only when the *first* authenticator challenges (APIView.
        # get_authenticate_header); a token class listed after the session one leaves it 403.
        authenticators = view.get_authenticators()
        if authenticators and authenticators[0].authenticate_header(view.request):
            codes.append(("401", ERROR))
        if write or any(not isinstance(p, AllowAny) for p in view.get_permissions()):
            codes.append(("403", ERROR))
        if (any(p.get("in") == "path" for p in parameters)
                or any(p.get("in") == "query" and p.get("name") == "format" for p in parameters)
                or (self._is_list_view() and self._get_paginator())):
            codes.append(("404", ERROR))
        if write and "requestBody" in operation:
            codes.append(("415", ERROR))
        if view.get_throttles():
            codes.append(("429", ERROR))
        return codes

    def _error_response(self, code: str, component_name: str) -> dict:
        schema = ERROR_SCHEMA if component_name == ERROR else VALIDATION_ERROR_SCHEMA
        component = ResolvedComponent(name=component_name, type=ResolvedComponent.SCHEMA,
                                      schema=schema, object=component_name)
        self.registry.register_on_missing(component)
        response = {
            "description": str(DESCRIPTIONS[code]),
            "content": {media_type: {"schema": component.ref}
                        for media_type in self.map_renderers("media_type")},
        }
        if code == "429":
            response["headers"] = {"Retry-After": {
                "schema": {"type": "integer"},
                "description": "Seconds to wait before the next request.",
            }}
        return response
