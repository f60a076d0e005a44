"""Lists that search, filter, sort, page and export what they show (issue 8 item 3).

In core so that every app's list pages use it (accounts and core sit below office).

A list page names a django-filter ``FilterSet`` (search box, the filters that fit the list and an
``o`` ordering built with ``ordering()``) and its ``export_columns``; ``?export=xlsx`` answers an
Excel workbook of exactly the filtered rows (all pages, in the page's order): Chinese headers,
numbers as numbers, dates as dates in Asia/Shanghai. The rows come from the page's own scoped
selector, so an export never holds a row the page would not show.

Sorting is one mechanism for every list: the ``o`` parameter of the FilterSet, set by clicking a
column header (``{% sort_th "field" "标题" %}`` from the office template tags).
"""

import datetime
import io
import re
from decimal import Decimal

import django_filters
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.db.models.sql.where import WhereNode
from django.forms import DateInput
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.encoding import escape_uri_path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from openpyxl import Workbook
from openpyxl.styles import Font

MONEY = "#,##0.00"
DATE = "yyyy-mm-dd"
DATETIME = "yyyy-mm-dd hh:mm"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_LIMIT = 10000  # rows; a larger export is refused with a message, never truncated silently


def _cell(value):
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.replace(tzinfo=None)
    if isinstance(value, Decimal | int | float | datetime.date) or value is None:
        return value
    return str(value)


def search(fields):
    """Return a FilterSet method keeping the rows whose ``fields`` contain the typed words."""
    def method(queryset, name, value):
        for word in (value or "").split()[:5]:
            q = Q()
            for field in fields:
                q |= Q(**{f"{field}__icontains": word})
            queryset = queryset.filter(q)
        return queryset
    return method


class _StableOrdering(django_filters.OrderingFilter):
    """Order by the chosen column, then by id, so pages do not repeat or skip equal rows."""

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        return qs.order_by(*qs.query.order_by, "-pk") if value else qs


def ordering(*fields, default=None):
    """Return the ``o`` filter of a list: ``fields`` are (model field path, label) pairs; the
    parameter value is the path (``-path`` descending)."""
    return _StableOrdering(
        label=_lazy("排序"), empty_label=default or _lazy("默认排序"),
        fields=[(path, path) for path, _label in fields],
        field_labels=dict(fields))


def since(field: str, label=None):
    """Return a date filter keeping rows on or after the day (``field`` may end in ``__date``)."""
    return django_filters.DateFilter(field_name=field, lookup_expr="gte",
                                     label=label or _lazy("起始日期"),
                                     widget=DateInput(attrs={"type": "date"}))


def until(field: str, label=None):
    """Return a date filter keeping rows on or before the day."""
    return django_filters.DateFilter(field_name=field, lookup_expr="lte",
                                     label=label or _lazy("截止日期"),
                                     widget=DateInput(attrs={"type": "date"}))


def year(field: str, label=None):
    """Return a filter on a year (a fiscal year field or ``<date>__year``)."""
    return django_filters.NumberFilter(field_name=field, label=label or _lazy("年度"),
                                       min_value=2000, max_value=2100)


def choice(choices, label, empty_label, field_name=None):
    """Return a filter on a choice field, labels in Chinese, with an "all" entry."""
    return django_filters.ChoiceFilter(field_name=field_name, label=label, choices=choices,
                                       empty_label=empty_label)


def xlsx_response(*, rows, columns, title: str, filename: str, totals=None) -> HttpResponse:
    """Return rows as a one-sheet workbook: columns are (header, function of a row, number format).

    ``totals`` (a label) adds a last row with that label and the sum of each money column.
    """
    rows = list(rows)
    book = Workbook()
    sheet = book.active
    # Excel refuses []:*?/\ in a sheet's name (openpyxl raises): 预算执行（已支付÷预算额度）is
    # fine, "采购/评审" would have answered 500.
    sheet.title = re.sub(r"[\[\]:*?/\\]", "·", str(title))[:31] or "Sheet"
    sheet.append([str(header) for header, _get, _fmt in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_cell(get(row)) for _header, get, _fmt in columns])
    if totals is not None and rows:
        sums = []
        for index, (_header, get, fmt) in enumerate(columns):
            if index == 0:
                sums.append(str(totals))
            elif fmt == MONEY:
                sums.append(sum((get(row) or Decimal("0") for row in rows), Decimal("0.00")))
            else:
                sums.append(None)
        sheet.append(sums)
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    for index, (_header, _get, fmt) in enumerate(columns, start=1):
        if fmt:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = fmt
    for index, (header, _get, fmt) in enumerate(columns, start=1):
        width = 14 if fmt else max(10, min(40, 2 * len(str(header)) + 2))
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{escape_uri_path(f'{filename}-{stamp}.xlsx')}")
    return response


class KeysFirstPaginator(Paginator):
    """A paginator that sorts the list's keys, not its rows: the page is read as
    ``WHERE pk IN (SELECT pk … ORDER BY … LIMIT 25)`` — the subquery sorts the keys alone (no
    joined columns) and the outer query reads those rows with their joins, annotations and
    prefetches, in the list's order, in the same single query. A database that sorted every
    visible row to keep 25 (SQLite with a scope's ``pk IN (…)``) then sorts 10,000 keys
    instead of 10,000 wide joined rows. Anything but a queryset is paged as Django does."""

    def _get_page(self, object_list, number, paginator):
        if (not isinstance(object_list, QuerySet) or object_list._result_cache is not None
                or object_list.query.combinator):
            return super()._get_page(object_list, number, paginator)
        rows = paginator.object_list._chain()
        query = rows.query
        query.clear_limits()
        # The keys pass the list's filters: the outer query reads them by key alone (a scope's
        # ``pk IN (…)`` left beside them may be chosen by the planner to drive the read).
        query.where = WhereNode()
        if not query.annotations:
            for alias in list(query.alias_refcount)[1:]:
                query.alias_refcount[alias] = 0
        return super()._get_page(rows.filter(pk__in=object_list.values("pk")), number, paginator)


class FilteredListMixin:
    """For a list page with ``get_rows()``: filter, sort and page its rows, and export them with
    ``?export=xlsx`` (office.shell.OfficeListMixin pages them for the office pages).

    Subclasses set ``filterset_class``, ``export_columns`` (header, getter, number format) and
    ``export_title``; ``export_totals`` (a label) adds a totals row of the money columns.
    ``export_rows(rows)`` may turn the filtered rows into what the columns read (the ledger's
    sums), in a fixed number of queries.
    """

    filterset_class = None
    export_columns: list = []
    export_title = ""
    export_totals = None
    page_size = 25  # None: one page (the ledger shows every filtered envelope and their totals)

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

    def export_rows(self, rows):
        return rows

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx" and self.export_columns:
            rows = self.list_rows()
            if rows.count() > EXPORT_LIMIT:
                messages.error(request, _("导出行数超过%(n)d行，请先筛选。") % {"n": EXPORT_LIMIT})
                query = request.GET.copy()
                query.pop("export", None)
                return redirect(f"{request.path}?{query.urlencode()}")
            return xlsx_response(rows=self.export_rows(rows), columns=self.export_columns,
                                 title=str(self.export_title), filename=str(self.export_title),
                                 totals=self.export_totals)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        query.pop("export", None)
        if "page" not in context and self.page_size:  # pages without office's OfficeListMixin
            context["page"] = KeysFirstPaginator(self.list_rows(), self.page_size).get_page(
                self.request.GET.get("page"))
        unsorted = query.copy()
        unsorted.pop("o", None)
        context.update(filter=self.filtered(), list_query=query.urlencode(),
                       list_query_unsorted=unsorted.urlencode(),
                       list_export=bool(self.export_columns))
        return context
