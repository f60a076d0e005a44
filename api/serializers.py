"""Serializers of the partner API (/api/v1/): what each list shows, what each action takes."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from accounts.models import Organization
from api.models import ApiToken
from delivery.models import ServiceRecord
from evaluation.models import CommitteeMember, PerformanceEvaluation
from finance.models import PaymentTranche
from procurement.api import BidSerializer, BidSubmitSerializer, TenderSerializer  # noqa: F401
from procurement.models import Award, BidReceipt, Contract, Deliverable, Need, NeedCategory

REQUIRED = _("此项为必填项。")


# Its own component: "Error" is core.api_schema's (code optional, /api/ answers without it);
# under one name the schema held whichever of the two was registered first.
@extend_schema_serializer(component_name="V1Error")
class ErrorSerializer(serializers.Serializer):
    """Every refusal: ``{"detail": "<中文说明>", "code": "<machine code>"}``."""

    detail = serializers.CharField()
    code = serializers.CharField()


class FieldErrorsSerializer(serializers.Serializer):
    """400 for invalid input: ``{"<field>": ["<message>", …], …}``."""

    field = serializers.ListField(child=serializers.CharField(), required=False,
                                  help_text="one key per invalid field, each a list of messages")


# Public reads --------------------------------------------------------------------------------

class PublicBidSerializer(serializers.Serializer):
    """A bid as the public opening record shows it: bidder and price, after the opening only."""

    organization = serializers.CharField(source="organization.name")
    price = serializers.DecimalField(max_digits=14, decimal_places=2)
    status = serializers.CharField()


class PublicTenderSerializer(TenderSerializer):
    class Meta(TenderSerializer.Meta):
        fields = [f for f in TenderSerializer.Meta.fields if f != "failure_reason"]


class PublicAwardSerializer(serializers.ModelSerializer):
    tender = serializers.IntegerField(source="tender_id")
    tender_code = serializers.CharField(source="tender.code")
    tender_title = serializers.CharField(source="tender.title")
    purchaser = serializers.CharField(source="tender.project.purchaser.name")
    supplier = serializers.CharField(source="bid.organization.name")
    supplier_credit_code = serializers.CharField(source="bid.organization.credit_code")

    class Meta:
        model = Award
        fields = ["id", "tender", "tender_code", "tender_title", "purchaser", "supplier",
                  "supplier_credit_code", "amount", "confirmed_at"]


class PublicContractSerializer(serializers.ModelSerializer):
    project_code = serializers.CharField(source="project.code")
    project_title = serializers.CharField(source="project.title")
    purchaser = serializers.CharField(source="purchaser.name")
    supplier = serializers.CharField(source="supplier.name")
    status_display = serializers.CharField(source="get_status_display")

    class Meta:
        model = Contract
        fields = ["id", "code", "project_code", "project_title", "purchaser", "supplier",
                  "amount", "start_date", "end_date", "status", "status_display",
                  "supplier_signed_at"]


class PublicResultSerializer(serializers.ModelSerializer):
    """A performance evaluation's finalized result (绩效评价结果), as the portal lists it."""

    contract_code = serializers.CharField(source="contract.code")
    project_title = serializers.CharField(source="contract.project.title")
    community = serializers.CharField(source="contract.project.community.name")
    supplier = serializers.CharField(source="contract.supplier.name")
    grade_display = serializers.CharField(source="get_grade_display")

    class Meta:
        model = PerformanceEvaluation
        fields = ["id", "contract_code", "project_title", "community", "supplier", "total",
                  "grade", "grade_display", "finalized_at"]


# Needs -----------------------------------------------------------------------------------------

class NeedSerializer(serializers.ModelSerializer):
    community_name = serializers.CharField(source="community.name", read_only=True)
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    support_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Need
        fields = ["id", "title", "category", "category_display", "target_group", "community",
                  "community_name", "description", "status", "status_display", "submitted_at",
                  "decision_reason", "decided_at", "support_count"]


class NeedSubmitSerializer(serializers.Serializer):
    community = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(), label=_("所在社区"),
        error_messages={"does_not_exist": _("请选择您所在的社区。"), "required": REQUIRED})
    title = serializers.CharField(label=_("需求标题"), max_length=200)
    category = serializers.ChoiceField(label=_("类别"), choices=NeedCategory.choices)
    target_group = serializers.CharField(label=_("服务对象"), max_length=100)
    description = serializers.CharField(label=_("需求描述"))
    photos = serializers.ListField(child=serializers.FileField(), label=_("现场照片"),
                                   required=False)


# Bids ------------------------------------------------------------------------------------------

class BidReceiptSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = BidReceipt
        fields = ["id", "number", "kind", "kind_display", "issued_at", "tender_version",
                  "price_sha256", "proposal_sha256", "files"]


# Scores ----------------------------------------------------------------------------------------

class CommitteeSeatSerializer(serializers.ModelSerializer):
    tender = serializers.IntegerField(source="committee.tender_id", read_only=True)
    tender_code = serializers.CharField(source="committee.tender.code", read_only=True)
    tender_title = serializers.CharField(source="committee.tender.title", read_only=True)
    tender_status = serializers.CharField(source="committee.tender.status", read_only=True)
    pending_sheets = serializers.IntegerField(read_only=True)

    class Meta:
        model = CommitteeMember
        fields = ["id", "tender", "tender_code", "tender_title", "tender_status", "is_chair",
                  "pending_sheets"]


class ScoresSubmitSerializer(serializers.Serializer):
    """``{"scores": {"<bid id>": {"<criterion id>": "40", …}, …}}``: every non-price criterion
    of every bid on the seat's sheets; the price criterion is computed."""

    scores = serializers.DictField(
        child=serializers.DictField(child=serializers.DecimalField(max_digits=6,
                                                                   decimal_places=2)),
        label=_("评分"), allow_empty=False)

    def validate_scores(self, value):
        try:
            return {int(bid): {int(c): points for c, points in row.items()}
                    for bid, row in value.items()}
        except (TypeError, ValueError) as exc:
            raise serializers.ValidationError(_("投标和评审因素须以编号表示。")) from exc


# Service records -------------------------------------------------------------------------------

class ServiceRecordSerializer(serializers.ModelSerializer):
    contract_code = serializers.CharField(source="contract.code", read_only=True)
    deliverable_description = serializers.CharField(source="deliverable.description",
                                                    read_only=True)
    social_worker = serializers.CharField(source="social_worker.get_full_name", read_only=True)

    class Meta:
        model = ServiceRecord
        fields = ["id", "code", "contract", "contract_code", "deliverable",
                  "deliverable_description", "served_on", "site", "participants",
                  "description", "social_worker", "recorded_at", "is_late", "confirmed_at"]


class ServiceRecordCreateSerializer(serializers.Serializer):
    """Sent as multipart/form-data when ``files`` (photos, sign-in sheets: image or PDF) come."""

    deliverable = serializers.PrimaryKeyRelatedField(
        queryset=Deliverable.objects.all(), label=_("对应产出"),
        error_messages={"does_not_exist": _("请选择本合同的服务产出。")})
    served_on = serializers.DateField(label=_("服务日期"), error_messages={
        "invalid": _("请输入有效的日期，如 2026-03-02。")})
    site = serializers.CharField(label=_("服务地点"), max_length=100)
    participants = serializers.IntegerField(label=_("服务人数/人次"), min_value=1,
                                            max_value=100000)
    description = serializers.CharField(label=_("服务内容"))
    files = serializers.ListField(child=serializers.FileField(), label=_("服务照片/签到表"),
                                  required=False)


# Payments --------------------------------------------------------------------------------------

class PaymentTrancheSerializer(serializers.ModelSerializer):
    contract_code = serializers.CharField(source="contract.code", read_only=True)
    project_title = serializers.CharField(source="contract.project.title", read_only=True)
    supplier = serializers.CharField(source="contract.supplier.name", read_only=True)
    condition_display = serializers.CharField(source="get_condition_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    paid_at = serializers.SerializerMethodField()

    class Meta:
        model = PaymentTranche
        fields = ["id", "contract", "contract_code", "project_title", "supplier", "sequence",
                  "condition", "condition_display", "percent", "amount", "payable_amount",
                  "status", "status_display", "approved_at", "paid_at"]

    def get_paid_at(self, tranche) -> str | None:
        payment = getattr(tranche, "payment", None)
        paid = getattr(payment, "paid_at", None)
        return serializers.DateTimeField().to_representation(paid) if paid else None


# Tokens ----------------------------------------------------------------------------------------

class ApiTokenSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True,
                                              default=None, allow_null=True)
    active = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "user", "organization", "organization_name",
                  "created_at", "expires_at", "revoked_at", "last_used_at", "active"]

    def get_active(self, token) -> bool:
        return token.is_active()


class ApiTokenIssueSerializer(serializers.Serializer):
    name = serializers.CharField(label=_("令牌名称"), max_length=100)
    username = serializers.CharField(label=_("代表用户"), max_length=150)
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(), label=_("所属机构"), allow_null=True,
        required=False, error_messages={"does_not_exist": _("该机构不存在。")})
    days = serializers.IntegerField(label=_("有效天数"), required=False, min_value=1,
                                    max_value=3650)


class ApiTokenIssuedSerializer(ApiTokenSerializer):
    key = serializers.CharField(read_only=True, help_text="shown once; send as Bearer")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "key"]
