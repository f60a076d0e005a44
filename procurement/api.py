"""REST endpoints for tenders and bids: reads through the sealing selectors, and a bid's
submission through the same service as the page (bid_submit)."""

import csv

from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Organization
from accounts.selectors import user_memberships
from core.api import ObjectRulePermission, SharedFieldsMixin
from core.files import atomic_with_files
from core.middleware import request_arrived_at
from procurement.models import Bid, BidIntake, BidReceipt, Tender
from procurement.selectors import (
    bid_list_for_user,
    tender_get_for_user,
    tender_list_for_user,
    tender_opening_record,
)
from procurement.services.bids import bid_submit
from procurement.services.intake import (
    bid_intake_accept,
    bid_intake_fits,
    bid_intake_get_for_user,
)


class TenderSerializer(serializers.ModelSerializer):
    project_code = serializers.CharField(source="project.code", read_only=True)
    purchaser = serializers.CharField(source="project.purchaser.name", read_only=True)
    method_display = serializers.CharField(source="get_method_display", read_only=True)
    evaluation_method = serializers.CharField(read_only=True)
    evaluation_method_display = serializers.CharField(source="get_evaluation_method_display",
                                                      read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Tender
        fields = ["id", "code", "title", "project_code", "purchaser", "method", "method_display",
                  "evaluation_method", "evaluation_method_display", "tie_rule",
                  "budget_amount", "price_weight", "bid_deadline", "status", "status_display",
                  "published_at", "opened_at", "failure_reason"]


class BidSerializer(serializers.ModelSerializer):
    tender_code = serializers.CharField(source="tender.code", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Bid
        fields = ["id", "tender", "tender_code", "organization", "organization_name", "price",
                  "proposal", "contact_person", "contact_phone", "project_manager",
                  "status", "status_display", "submitted_at",
                  "disqualification_reason", "price_score", "final_score", "rank"]


class PriceTextField(serializers.CharField):
    """A price as the text the bidder typed ("280000.00"); a JSON number is refused, because
    its float reading may already differ from what was meant. bid_submit checks the form."""

    default_error_messages = {
        "form": _("投标报价须以字符串提交，如 \"280000.00\"（半角数字，最多两位小数）。"),
    }

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("form")
        return super().to_internal_value(data)


class MembershipOrganizationField(serializers.PrimaryKeyRelatedField):
    """An organization by id, taken from the requesting user's memberships (already loaded with
    their organizations) when it is one of them, else read; the rules decide what it may do."""

    def to_internal_value(self, data):
        request = self.context.get("request")
        if request is not None and not isinstance(data, bool):
            for membership in user_memberships(request.user):
                if str(membership.organization_id) == str(data):
                    return membership.organization
        return super().to_internal_value(data)


class BidSubmitSerializer(serializers.Serializer):
    organization = MembershipOrganizationField(
        queryset=Organization.objects.all(), label=_("投标机构"),
        error_messages={"does_not_exist": _("请选择您所在的社会组织。")})
    price = PriceTextField(label=_("投标报价（元）"))
    proposal = serializers.CharField(label=_("服务方案"), allow_blank=True)
    # The version of the tender documents the bid answers (更正公告); refused when stale.
    tender_version = serializers.IntegerField(label=_("所响应的采购文件版本"), required=False,
                                              min_value=1)
    contact_person = serializers.CharField(label=_("联系人"), max_length=50, required=False,
                                           allow_blank=True)
    contact_phone = serializers.CharField(label=_("联系电话"), max_length=30, required=False,
                                          allow_blank=True)
    project_manager = serializers.CharField(label=_("项目负责人"), max_length=50,
                                            required=False, allow_blank=True)
    # Sent as multipart/form-data: the files, and for each the document it answers (投标函 …,
    # Tender.required_documents) in the same order; a file without a kind is 其他材料.
    files = serializers.ListField(child=serializers.FileField(), label=_("投标材料"),
                                  required=False)
    kinds = serializers.ListField(child=serializers.CharField(max_length=100),
                                  label=_("材料类别"), required=False)

    def validate(self, attrs):
        files, kinds = attrs.pop("files", []), attrs.pop("kinds", [])
        if len(kinds) > len(files):
            raise serializers.ValidationError({"kinds": _("材料类别多于上传的文件。")})
        attrs["documents"] = [(kinds[n] if n < len(kinds) else "", f)
                              for n, f in enumerate(files)]
        return attrs


class BidIntakeSubmitSerializer(SharedFieldsMixin, BidSubmitSerializer):
    """A bid for intake (``Prefer: respond-async``): the same fields, the organization by id
    only. Who may bid for it is asked by the intake's own insert (bid_intake_accept), so the
    answer reads no membership; an id that is not the user's organization is refused there.
    Its fields read no context: they are set up once per process (SharedFieldsMixin)."""

    organization = serializers.IntegerField(
        label=_("投标机构"), min_value=1, max_value=2**63 - 1,
        error_messages={key: _("请选择您所在的社会组织。")
                        for key in ("invalid", "min_value", "max_value", "max_string_length")})


class TenderListApi(generics.ListAPIView):
    """List the tenders visible to the user (GET /api/procurement/tenders/)."""

    serializer_class = TenderSerializer
    not_found_message = _("未找到该采购项目。")

    def get_queryset(self):
        return tender_list_for_user(user=self.request.user).order_by("-bid_deadline", "-id")


class TenderBidListApi(generics.ListAPIView):
    """List the bids of a tender that the user may read (GET /api/procurement/tenders/<id>/bids/);
    submit the user's organization's sealed bid (POST, the service bid_submit)."""

    serializer_class = BidSerializer
    not_found_message = _("未找到该采购项目。")
    intake_url_name = "procurement-api:bid-intake"  # where a 202 is followed

    def get_queryset(self):
        tender = tender_get_for_user(user=self.request.user, tender_id=self.kwargs["pk"])
        return bid_list_for_user(user=self.request.user, tender=tender)

    @extend_schema(request=BidSubmitSerializer, responses={201: BidSerializer})
    def post(self, request, pk):
        if intake_requested(request):
            # The tender and the organization are read (and the rules asked) by
            # bid_intake_accept's insert, once.
            payload = BidIntakeSubmitSerializer(data=request.data,
                                                context={"request": request})
            payload.is_valid(raise_exception=True)
            fields = dict(payload.validated_data)
            intake = bid_intake_accept(tender=Tender(pk=pk), actor=request.user,
                                       organization=Organization(pk=fields.pop("organization")),
                                       arrived_at=request_arrived_at(request),
                                       language=getattr(request, "LANGUAGE_CODE", ""), **fields)
            return intake_response(request, intake, self.intake_url_name)
        tender = tender_get_for_user(user=request.user, tender_id=pk)
        payload = BidSubmitSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        with atomic_with_files():
            bid = bid_submit(tender=tender, actor=request.user,
                             arrived_at=request_arrived_at(request), **payload.validated_data)
        return Response(BidSerializer(bid).data, status=status.HTTP_201_CREATED)


def intake_requested(request) -> bool:
    """Return whether the client asked for the bid to be entered after the answer (RFC 7240
    ``Prefer: respond-async``) and its body is small enough to keep in an intake row
    (settings.BID_INTAKE_MAX_BYTES); otherwise the bid is entered in the request (201)."""
    preferences = {part.split("=")[0].strip().lower()
                   for item in request.headers.get("Prefer", "").split(",")
                   for part in item.split(";")[:1]}
    return ("respond-async" in preferences
            and bid_intake_fits(request.META.get("CONTENT_LENGTH")))


def intake_response(request, intake, url_name: str) -> Response:
    """202 with the intake, where to follow it, and that the preference was applied."""
    location = reverse(url_name, args=[intake.pk])
    return Response(intake_data(intake), status=status.HTTP_202_ACCEPTED,
                    headers={"Location": request.build_absolute_uri(location),
                             "Preference-Applied": "respond-async", "Retry-After": "1"})


class BidIntakeSerializer(serializers.Serializer):
    """The intake as intake_data writes it (this class documents it in the schema)."""

    id = serializers.IntegerField()
    tender = serializers.IntegerField()
    organization = serializers.IntegerField()
    arrived_at = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=BidIntake.Status.choices)
    status_display = serializers.CharField()
    bid = serializers.IntegerField(allow_null=True)
    receipt = serializers.CharField(allow_null=True, help_text=_("投标回执编号（登记后）"))
    refusal_code = serializers.CharField(allow_blank=True)
    refusal_message = serializers.CharField(allow_blank=True)
    processed_at = serializers.DateTimeField(allow_null=True)


# Its timezone is the request's, read at each call (DRF: only a timezone given to it is kept).
_INTAKE_TIME = serializers.DateTimeField()


def intake_data(intake) -> dict:
    """Return the intake as the API shows it, built directly: the 202 of a rush is answered
    without a serializer's per-request field set-up."""
    receipt = None
    if intake.bid_id is not None:
        # The receipt bid_submit issued when it entered this intake: at its arrival, to the
        # second (procurement.services.receipts).
        receipt = (BidReceipt.objects.filter(
            bid_id=intake.bid_id, kind=BidReceipt.Kind.SUBMITTED,
            issued_at=intake.arrived_at.replace(microsecond=0),
        ).order_by("-id").values_list("number", flat=True).first())
    field = _INTAKE_TIME
    return {"id": intake.pk, "tender": intake.tender_id, "organization": intake.organization_id,
            "arrived_at": field.to_representation(intake.arrived_at),
            "status": intake.status, "status_display": intake.get_status_display(),
            "bid": intake.bid_id, "receipt": receipt, "refusal_code": intake.refusal_code,
            "refusal_message": intake.refusal_message,
            "processed_at": (field.to_representation(intake.processed_at)
                             if intake.processed_at else None)}


class BidIntakeDetailApi(APIView):
    """Follow a bid received by intake (GET /api/procurement/bid-intakes/<id>/): pending, then
    accepted with the bid and its receipt, or refused with the reason. Only its submitter."""

    not_found_message = _("未找到该投标登记。")

    @extend_schema(responses={200: BidIntakeSerializer})
    def get(self, request, pk):
        intake = bid_intake_get_for_user(user=request.user, intake_id=pk)
        return Response(intake_data(intake))


class BidDetailApi(generics.RetrieveAPIView):
    """Return one bid the user may read (GET /api/procurement/bids/<id>/); 404 while sealed."""

    serializer_class = BidSerializer
    queryset = Bid.objects.select_related("tender", "tender__project", "organization",
                                          "submitted_by")
    permission_classes = [ObjectRulePermission]
    object_permission = "procurement.view_bid"
    not_found_message = _("未找到该投标文件。")


class TenderOpeningRecordApi(APIView):
    """Return the opening record (开标记录) of an opened tender; 404 before opening.

    ``?export=csv`` returns it as a CSV file.
    """

    not_found_message = _("未找到该采购项目。")

    @extend_schema(
        responses=inline_serializer(
            name="TenderOpeningRecord",
            fields={
                "tender": serializers.CharField(),
                "opened_at": serializers.DateTimeField(),
                "bids": serializers.ListField(child=serializers.DictField()),
            },
        )
    )
    def get(self, request, pk):
        tender = tender_get_for_user(user=request.user, tender_id=pk)
        rows = tender_opening_record(tender=tender)
        if rows is None:
            raise NotFound(_("尚未开标，开标记录未公布。"))
        if request.query_params.get("export") == "csv":
            return self._csv(tender, rows)
        return Response({"tender": tender.code, "opened_at": tender.opened_at,
                         "bids": [{**row, "price": str(row["price"])} for row in rows]})

    def _csv(self, tender, rows):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="opening-{tender.code}.csv"'
        response.write("\ufeff")  # Excel opens UTF-8 Chinese correctly with a BOM
        writer = csv.writer(response)
        writer.writerow([str(_("采购编号")), str(_("投标机构")), str(_("统一社会信用代码")),
                         str(_("投标报价（元）")), str(_("状态")), str(_("说明")),
                         str(_("开标时间")), str(_("报价摘要（SHA-256）")),
                         str(_("服务方案摘要（SHA-256）")), str(_("附件摘要（SHA-256）"))])
        opened = timezone.localtime(tender.opened_at).strftime("%Y-%m-%d %H:%M")
        for row in rows:
            writer.writerow([tender.code, row["organization"], row["credit_code"],
                             str(row["price"]), row["status_display"],
                             row["disqualification_reason"], opened, row["price_sha256"],
                             row["proposal_sha256"],
                             "; ".join(f"{f['name']}:{f['sha256']}" for f in row["files"])])
        return response
