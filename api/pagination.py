"""Cursor pagination of the partner API's lists: stable under inserts, no page count."""

from django.utils.translation import gettext_lazy as _
from rest_framework.pagination import CursorPagination


class V1CursorPagination(CursorPagination):
    """``?cursor=<opaque>`` from ``next``/``previous``; ``?page_size=`` up to 100 (default 50)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = "-id"
    invalid_cursor_message = _("分页游标无效。")
