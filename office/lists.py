"""Back-office lists that search, filter, sort and export what they show (issue 8 item 3).

A list page names a django-filter ``FilterSet`` (search box, the filters that fit the list and an
``o`` ordering) and its ``export_columns``; ``?export=xlsx`` answers an Excel workbook of exactly
the filtered rows (all pages, in the page's order): Chinese headers, numbers as numbers, dates as
dates in Asia/Shanghai. The rows come from the page's own scoped selector, so an export never
holds a row the page would not show.
"""

import datetime
import io
from decimal import Decimal

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.encoding import escape_uri_path
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_LIMIT = 10000  # rows; a larger export is refused with a message, never truncated silently


def _cell(value):
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.replace(tzinfo=None)
    if isinstance(value, Decimal | int | float | datetime.date) or value is None:
        return value
    return str(value)


def xlsx_response(*, rows, columns, title: str, filename: str) -> HttpResponse:
    """Return rows as a one-sheet workbook: columns are (header, function of a row, number format)."""
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append([str(header) for header, _get, _fmt in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_cell(get(row)) for _header, get, _fmt in columns])
    for index, (_header, _get, fmt) in enumerate(columns, start=1):
        if fmt:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = fmt
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{escape_uri_path(f'{filename}-{stamp}.xlsx')}")
    return response


MONEY = "#,##0.00"
DATE = "yyyy-mm-dd"
DATETIME = "yyyy-mm-dd hh:mm"


class FilteredListMixin:
    """For an ``OfficeListMixin`` page: filter its rows, and export them with ``?export=xlsx``.

    Subclasses set ``filterset_class``, ``export_columns`` (header, getter, number format) and
    ``export_title``.
    """

    filterset_class = None
    export_columns: list = []
    export_title = ""

    def filtered(self):
        if not hasattr(self, "_filterset"):
            self._filterset = self.filterset_class(
                self.request.GET or None, queryset=self.get_rows(), request=self.request)
        return self._filterset

    def list_rows(self):
        filterset = self.filtered()
        if not filterset.is_bound:
            return filterset.queryset
        return filterset.qs if filterset.is_valid() else filterset.queryset.none()

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx":
            rows = self.list_rows()
            if rows.count() > EXPORT_LIMIT:
                messages.error(request, _("导出行数超过%(n)d行，请先筛选。") % {"n": EXPORT_LIMIT})
                query = request.GET.copy()
                query.pop("export", None)
                return redirect(f"{request.path}?{query.urlencode()}")
            return xlsx_response(rows=rows, columns=self.export_columns,
                                 title=str(self.export_title), filename=str(self.export_title))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        query.pop("export", None)
        context.update(filter=self.filtered(), list_query=query.urlencode())
        return context
