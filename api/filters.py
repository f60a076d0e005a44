"""Filters (django-filter) of the partner API's lists: ``?status=…&contract=…``."""

import django_filters

from delivery.models import ServiceRecord
from evaluation.models import PerformanceEvaluation
from finance.models import PaymentTranche
from procurement.models import Award, Bid, Contract, Need, NeedCategory, Tender


class PublicTenderFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Tender.Status.choices)
    method = django_filters.ChoiceFilter(choices=Tender.Method.choices)
    purchaser = django_filters.NumberFilter(field_name="project__purchaser_id")
    published_after = django_filters.IsoDateTimeFilter(field_name="published_at",
                                                       lookup_expr="gte")

    class Meta:
        model = Tender
        fields = ["status", "method", "purchaser", "published_after"]


class PublicAwardFilter(django_filters.FilterSet):
    purchaser = django_filters.NumberFilter(field_name="tender__project__purchaser_id")
    supplier = django_filters.NumberFilter(field_name="bid__organization_id")

    class Meta:
        model = Award
        fields = ["purchaser", "supplier"]


class PublicContractFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Contract.Status.choices)
    purchaser = django_filters.NumberFilter(field_name="purchaser_id")
    supplier = django_filters.NumberFilter(field_name="supplier_id")

    class Meta:
        model = Contract
        fields = ["status", "purchaser", "supplier"]


class PublicResultFilter(django_filters.FilterSet):
    grade = django_filters.ChoiceFilter(choices=PerformanceEvaluation.Grade.choices)
    supplier = django_filters.NumberFilter(field_name="contract__supplier_id")

    class Meta:
        model = PerformanceEvaluation
        fields = ["grade", "supplier"]


class NeedFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Need.Status.choices)
    category = django_filters.ChoiceFilter(choices=NeedCategory.choices)
    community = django_filters.NumberFilter(field_name="community_id")

    class Meta:
        model = Need
        fields = ["status", "category", "community"]


class BidFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Bid.Status.choices)
    tender = django_filters.NumberFilter(field_name="tender_id")

    class Meta:
        model = Bid
        fields = ["status", "tender"]


class ServiceRecordFilter(django_filters.FilterSet):
    contract = django_filters.NumberFilter(field_name="contract_id")
    served_from = django_filters.DateFilter(field_name="served_on", lookup_expr="gte")
    served_to = django_filters.DateFilter(field_name="served_on", lookup_expr="lte")

    class Meta:
        model = ServiceRecord
        fields = ["contract", "served_from", "served_to"]


class PaymentFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=PaymentTranche.Status.choices)
    contract = django_filters.NumberFilter(field_name="contract_id")

    class Meta:
        model = PaymentTranche
        fields = ["status", "contract"]
