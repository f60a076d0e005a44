"""Cursor pagination of the partner API's lists: stable under inserts, no page count."""

import re

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination

DIGITS = re.compile(r"\A[0-9]+\Z")


class V1CursorPagination(CursorPagination):
    """``?cursor=<opaque>`` from ``next``/``previous``; ``?page_size=`` up to 100 (default 50).

    A ``page_size`` that is no whole number of at least 1 (``true``, ``0.5``, ``0``, given
    twice) answers 400 ``{"page_size": [...]}`` instead of DRF's silent default: the schema
    declares an integer, and a client that sent a wrong one should know. Above 100 it is 100.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = "-id"
    invalid_cursor_message = _("分页游标无效。")
    invalid_page_size_message = _("每页条数须为 1 到 %(max)s 之间的整数。")

    def get_page_size(self, request):
        values = request.query_params.getlist(self.page_size_query_param)
        if not values:
            return self.page_size
        if len(values) > 1 or not DIGITS.match(values[0]) or int(values[0]) < 1:
            raise ValidationError({self.page_size_query_param: [
                self.invalid_page_size_message % {"max": self.max_page_size}]})
        return min(int(values[0]), self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {**parameter["schema"], "minimum": 1}
        return parameters
