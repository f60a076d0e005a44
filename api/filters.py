"""Filters (django-filter) of the partner API's lists: ``?status=…&contract=…``."""

import re

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from delivery.models import ServiceRecord
from evaluation.models import PerformanceEvaluation
from finance.models import PaymentTranche
from procurement.models import Award, Bid, Contract, Need, NeedCategory, Tender

ID_MAX = 2**63 - 1  # BigAutoField: a larger number is no id and must not reach the database


class IdField(forms.IntegerField):
    """A row id in a query string: digits only (no "1.5", "1e3", "-0"), 1 to ID_MAX."""

    default_error_messages = {"invalid": _("请输入有效的编号（正整数）。")}
    digits = re.compile(r"\A[0-9]+\Z")

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if not self.digits.match(str(value).strip()):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class V1FilterForm(forms.Form):
    """The form of every v1 filter set: a filter given empty (``?status=``) or more than once
    (``?tender=1&tender=2``) is refused with 400 rather than ignored or half-read: each is one
    value of the declared type (django-filter would drop the empty one and read the last)."""

    def clean(self):
        cleaned = super().clean()
        getlist = getattr(self.data, "getlist", None)
        for name in self.fields:
            values = getlist(name) if getlist else ([self.data[name]] if name in self.data else [])
            if len(values) > 1:
                self.add_error(name, _("该参数只能给出一次。"))
            elif values and not str(values[0]).strip():
                self.add_error(name, _("该参数不能为空。"))
        return cleaned


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": ID_MAX})
class IdFilter(django_filters.NumberFilter):
    """Filter on a related row's id. django-filter's NumberFilter takes any decimal, and a
    number beyond the id column's range (``supplier=-3e132``) made the database raise: 500."""

    field_class = IdField


class PublicTenderFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Tender.Status.choices)
    method = django_filters.ChoiceFilter(choices=Tender.Method.choices)
    purchaser = IdFilter(field_name="project__purchaser_id")
    published_after = django_filters.IsoDateTimeFilter(field_name="published_at",
                                                       lookup_expr="gte")

    class Meta:
        form = V1FilterForm
        model = Tender
        fields = ["status", "method", "purchaser", "published_after"]


class PublicAwardFilter(django_filters.FilterSet):
    purchaser = IdFilter(field_name="tender__project__purchaser_id")
    supplier = IdFilter(field_name="bid__organization_id")

    class Meta:
        form = V1FilterForm
        model = Award
        fields = ["purchaser", "supplier"]


class PublicContractFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Contract.Status.choices)
    purchaser = IdFilter(field_name="purchaser_id")
    supplier = IdFilter(field_name="supplier_id")

    class Meta:
        form = V1FilterForm
        model = Contract
        fields = ["status", "purchaser", "supplier"]


class PublicResultFilter(django_filters.FilterSet):
    grade = django_filters.ChoiceFilter(choices=PerformanceEvaluation.Grade.choices)
    supplier = IdFilter(field_name="contract__supplier_id")

    class Meta:
        form = V1FilterForm
        model = PerformanceEvaluation
        fields = ["grade", "supplier"]


class NeedFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Need.Status.choices)
    category = django_filters.ChoiceFilter(choices=NeedCategory.choices)
    community = IdFilter(field_name="community_id")

    class Meta:
        form = V1FilterForm
        model = Need
        fields = ["status", "category", "community"]


class BidFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Bid.Status.choices)
    tender = IdFilter(field_name="tender_id")

    class Meta:
        form = V1FilterForm
        model = Bid
        fields = ["status", "tender"]


class ServiceRecordFilter(django_filters.FilterSet):
    contract = IdFilter(field_name="contract_id")
    served_from = django_filters.DateFilter(field_name="served_on", lookup_expr="gte")
    served_to = django_filters.DateFilter(field_name="served_on", lookup_expr="lte")

    class Meta:
        form = V1FilterForm
        model = ServiceRecord
        fields = ["contract", "served_from", "served_to"]


class PaymentFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=PaymentTranche.Status.choices)
    contract = IdFilter(field_name="contract_id")

    class Meta:
        form = V1FilterForm
        model = PaymentTranche
        fields = ["status", "contract"]
