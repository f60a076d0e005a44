"""The partner API (/api/v1/): thin views over the portal's selectors (public reads) and the
same selectors, rules and services as the pages (each role's own objects and actions).

Every view here: token or session authentication (``ApiTokenAuthentication`` first, so an
anonymous request to a protected endpoint answers 401 with ``WWW-Authenticate: Bearer``),
throttled per address, per user and per token, cursor-paginated, and refusals answered
``{"detail": "…", "code": "…"}`` (``v1_exception_handler``).
"""

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import APIException
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import IsPlatformAdmin, OrganizationListCreateApi
from accounts.models import User
from accounts.serializers import OrganizationSerializer
from api import filters
from api import serializers as s
from api.authentication import ApiTokenAuthentication
from api.models import ApiToken
from api.pagination import V1CursorPagination
from api.selectors import own_bid_list, token_list_for_user
from api.services import token_issue, token_revoke
from api.throttling import V1_THROTTLES
from core import authz
from core.exceptions import PermissionDenied, ServiceError, api_exception_handler
from core.files import atomic_with_files, stored_files_create
from core.middleware import request_arrived_at
from delivery.models import ServiceRecord
from delivery.selectors import service_record_list_for_user
from delivery.services.record_files import service_record_add_with_files
from evaluation.selectors import committee_seat_list_for_user, score_sheet_list_for_seat
from evaluation.services.scoring import scores_submit
from finance.selectors import tranche_list_for_user
from portal.selectors import (
    public_award_list,
    public_contract_get,
    public_contract_list,
    public_grade_list,
    public_opening_record,
    public_tender_get,
    public_tender_list,
)
from procurement import api as procurement_api
from procurement.models import Bid, BidReceipt
from procurement.selectors import (
    bid_get_for_user,
    bid_receipt_list_for_user,
    contract_get_for_user,
    need_get_for_user,
    need_list_for_user,
    need_support_counts,
)
from procurement.services.bids import bid_withdraw
from procurement.services.needs import need_submit, need_support
from workflows.services import need_flow_start

# A ServiceError with one of these codes refuses the action because of the object's state
# (already done, too late, not at that stage): 409 Conflict. Any other code: 400.
CONFLICT_CODES = frozenset({"state", "duplicate", "deadline"})
STATUS_CODES = {400: "invalid", 401: "not_authenticated", 403: "permission_denied",
                404: "not_found", 405: "method_not_allowed", 406: "not_acceptable",
                409: "conflict", 415: "unsupported_media_type", 429: "throttled"}


def v1_exception_handler(exc, context):
    """Answer like ``core.exceptions.api_exception_handler`` and add the machine ``code``.

    A ``ServiceError`` answers ``{"detail", "code"}`` with 409 for a state conflict
    (CONFLICT_CODES) and 400 otherwise; a rule's refusal and a missing object 404.
    """
    if isinstance(exc, ObjectDoesNotExist):
        exc = Http404()
    if isinstance(exc, ServiceError):
        code = getattr(exc, "code", None) or "refused"
        refused = APIException(" ".join(str(m) for m in exc.messages))
        refused.status_code = 409 if code in CONFLICT_CODES else 400
        response = api_exception_handler(refused, context)
        response.data["code"] = code
        return response
    response = api_exception_handler(exc, context)
    if response is None or not isinstance(response.data, dict) or "detail" not in response.data:
        return response
    code = None
    if isinstance(exc, APIException) and not isinstance(exc, PermissionDenied):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else None
    if response.status_code == 404:
        code = "not_found"
    response.data["code"] = code or STATUS_CODES.get(response.status_code, "error")
    return response


ERROR = s.ErrorSerializer


def errors(*codes: int, **described) -> dict:
    """Return extend_schema responses for the error statuses a view answers."""
    text = {400: "invalid input: field errors, or a business rule's refusal (detail, code)",
            401: "no or bad token (detail, code); on a public endpoint only for a bad token",
            403: "not allowed (detail, code)",
            404: "missing or not visible to this user (detail, code: not_found)",
            409: "the object's state refuses the action (code: state, duplicate, deadline)"}
    out = {}
    for code in codes:
        serializer = s.FieldErrorsSerializer if code == 400 and "fields" in described else ERROR
        out[code] = OpenApiResponse(serializer, description=described.get(str(code), text[code]))
    return out


class V1Mixin:
    """Authentication, throttles, pagination, filters and errors of every /api/v1/ view."""

    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    throttle_classes = V1_THROTTLES
    pagination_class = V1CursorPagination
    filter_backends = [DjangoFilterBackend]
    permission_classes = [IsAuthenticated]

    def get_exception_handler(self):
        return v1_exception_handler

    def perform_authentication(self, request):
        """Authenticate, then speak the token user's language as the pages speak a signed-in
        user's (accounts.middleware.UserLanguageMiddleware runs before the token is read)."""
        super().perform_authentication(request)
        language = getattr(request.user, "language", None)
        if isinstance(request.auth, ApiToken) and language:
            translation.activate(language)
            request._request.LANGUAGE_CODE = language


class PublicMixin(V1Mixin):
    """No login; what the public portal shows (portal.selectors)."""

    permission_classes = [AllowAny]


# Public reads ----------------------------------------------------------------------------------

@extend_schema(tags=["public"], responses={200: s.PublicTenderSerializer(many=True),
                                           **errors(400, 401, fields=True)})
class PublicTenderListApi(PublicMixin, generics.ListAPIView):
    """Published tenders (招标公告), as the portal lists them; no sealed data."""

    serializer_class = s.PublicTenderSerializer
    filterset_class = filters.PublicTenderFilter

    def get_queryset(self):
        return public_tender_list()


class PublicTenderDetailApi(PublicMixin, APIView):
    """One published tender with its criteria and, once opened, its opening record."""

    not_found_message = _("未找到该采购项目。")

    @extend_schema(tags=["public"], responses={
        200: inline_serializer("PublicTenderDetail", {
            "tender": s.PublicTenderSerializer(),
            "criteria": serializers.ListField(child=serializers.DictField()),
            "opening_record": s.PublicBidSerializer(many=True)}),
        **errors(401, 404)})
    def get(self, request, pk):
        tender = public_tender_get(pk=pk)
        return Response({
            "tender": s.PublicTenderSerializer(tender).data,
            "criteria": [{"name": c.name, "kind": c.kind, "max_score": str(c.max_score)}
                         for c in tender.criteria.all()],
            "opening_record": s.PublicBidSerializer(public_opening_record(tender=tender),
                                                    many=True).data,
        })


@extend_schema(tags=["public"], responses={200: s.PublicAwardSerializer(many=True),
                                           **errors(400, 401, fields=True)})
class PublicAwardListApi(PublicMixin, generics.ListAPIView):
    """Confirmed awards (中标结果公告)."""

    serializer_class = s.PublicAwardSerializer
    filterset_class = filters.PublicAwardFilter

    def get_queryset(self):
        return public_award_list()


@extend_schema(tags=["public"], responses={200: s.PublicContractSerializer(many=True),
                                           **errors(400, 401, fields=True)})
class PublicContractListApi(PublicMixin, generics.ListAPIView):
    """Contracts signed by both parties (合同公开)."""

    serializer_class = s.PublicContractSerializer
    filterset_class = filters.PublicContractFilter

    def get_queryset(self):
        return public_contract_list()


@extend_schema(tags=["public"], responses={200: s.PublicContractSerializer,
                                           **errors(401, 404)})
class PublicContractDetailApi(PublicMixin, generics.RetrieveAPIView):
    """One signed contract."""

    serializer_class = s.PublicContractSerializer
    not_found_message = _("未找到该合同。")

    def get_object(self):
        return public_contract_get(pk=self.kwargs["pk"])


@extend_schema(tags=["public"], responses={200: s.PublicResultSerializer(many=True),
                                           **errors(400, 401, fields=True)})
class PublicResultListApi(PublicMixin, generics.ListAPIView):
    """Finalized performance evaluation results (绩效评价结果) of closed projects."""

    serializer_class = s.PublicResultSerializer
    filterset_class = filters.PublicResultFilter

    def get_queryset(self):
        return public_grade_list()


# Needs -----------------------------------------------------------------------------------------

class NeedListApi(V1Mixin, generics.ListAPIView):
    """The needs the user may see (its communities' and its own); a resident's submit."""

    serializer_class = s.NeedSerializer
    filterset_class = filters.NeedFilter
    not_found_message = _("未找到该需求。")

    def get_queryset(self):
        return need_list_for_user(user=self.request.user, support_count=False)

    @extend_schema(tags=["needs"], responses={200: s.NeedSerializer(many=True),
                                              **errors(400, 401, fields=True)})
    def get(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = need_support_counts(self.paginate_queryset(queryset))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(tags=["needs"], request={"application/json": s.NeedSubmitSerializer,
                                            "multipart/form-data": s.NeedSubmitSerializer},
                   responses={201: s.NeedSerializer, **errors(400, 401, 404, fields=True)})
    def post(self, request):
        payload = s.NeedSubmitSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        photos = data.pop("photos", [])
        with atomic_with_files():
            need = need_submit(actor=request.user, **data)
            stored_files_create(owner=need, actor=request.user, files=photos,
                                allowed=("image",))
            need_flow_start(need=need)
        need.support_count = 0
        return Response(s.NeedSerializer(need).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["needs"], responses={200: s.NeedSerializer, **errors(401, 404)})
class NeedDetailApi(V1Mixin, generics.RetrieveAPIView):
    serializer_class = s.NeedSerializer
    not_found_message = _("未找到该需求。")

    def get_object(self):
        return need_get_for_user(user=self.request.user, need_id=self.kwargs["pk"])


class NeedSupportApi(V1Mixin, APIView):
    """A resident supports a need of its community (once)."""

    not_found_message = _("未找到该需求。")

    @extend_schema(tags=["needs"], request=None, responses={
        201: s.NeedSerializer, **errors(401, 404, 409),
        403: OpenApiResponse(ERROR, description="the need is visible but the user may not "
                                                "support it (the reason, as on the page)")})
    def post(self, request, pk):
        need = need_get_for_user(user=request.user, need_id=pk)
        # The need is visible to the user: the refusal's reason reveals nothing (as the page).
        decision = authz.decide(request.user, "procurement.support_need", need)
        if not decision:
            raise ApiPermissionDenied(decision.reason)
        need_support(need=need, actor=request.user)
        return Response(s.NeedSerializer(need_get_for_user(user=request.user, need_id=pk)).data,
                        status=status.HTTP_201_CREATED)


# Bids ------------------------------------------------------------------------------------------

@extend_schema(tags=["bids"], responses={200: procurement_api.BidSerializer(many=True),
                                         **errors(400, 401, fields=True)})
class OwnBidListApi(V1Mixin, generics.ListAPIView):
    """The bids of the user's social organizations (a bidder's own, withdrawn ones too)."""

    serializer_class = procurement_api.BidSerializer
    filterset_class = filters.BidFilter

    def get_queryset(self):
        return own_bid_list(user=self.request.user)


class BidWithdrawApi(V1Mixin, APIView):
    """Withdraw the organization's own bid before the deadline (bid_withdraw)."""

    not_found_message = _("未找到该投标文件。")

    @extend_schema(tags=["bids"], request=None, responses={
        200: procurement_api.BidSerializer, **errors(401, 404, 409)})
    def post(self, request, pk):
        bid = bid_get_for_user(user=request.user, bid_id=pk)
        if not request.user.has_perm("procurement.withdraw_bid", bid):
            raise Http404
        bid = bid_withdraw(bid=bid, actor=request.user, arrived_at=request_arrived_at(request))
        # Read back as its bidder reads it (decrypted while sealed), not the stored row.
        bid = bid_get_for_user(user=request.user, bid_id=bid.pk)
        return Response(procurement_api.BidSerializer(bid).data)


@extend_schema(tags=["bids"], responses={200: s.BidReceiptSerializer(many=True),
                                         **errors(400, 401, 404, fields=True)})
class BidReceiptListApi(V1Mixin, generics.ListAPIView):
    """The receipts (投标回执) of a bid the user may read: digests of what was submitted."""

    serializer_class = s.BidReceiptSerializer
    not_found_message = _("未找到该投标文件。")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return BidReceipt.objects.none()
        bid = bid_get_for_user(user=self.request.user, bid_id=self.kwargs["pk"])
        return bid_receipt_list_for_user(user=self.request.user, bid=bid)


# Scores ----------------------------------------------------------------------------------------

@extend_schema(tags=["scores"], responses={200: s.CommitteeSeatSerializer(many=True),
                                           **errors(400, 401, fields=True)})
class CommitteeSeatListApi(V1Mixin, generics.ListAPIView):
    """The expert's seats on evaluation committees."""

    serializer_class = s.CommitteeSeatSerializer

    def get_queryset(self):
        return committee_seat_list_for_user(user=self.request.user)


def _seat(request, pk):
    return committee_seat_list_for_user(user=request.user).get(pk=pk)


class CommitteeSeatScoresApi(V1Mixin, APIView):
    """GET the bids and criteria to score on a seat; POST the expert's scores (scores_submit)."""

    not_found_message = _("未找到该评审席位。")

    @extend_schema(tags=["scores"], responses={200: inline_serializer("SeatSheets", {
        "seat": s.CommitteeSeatSerializer(),
        "criteria": serializers.ListField(child=serializers.DictField()),
        "sheets": serializers.ListField(child=serializers.DictField())}), **errors(401, 404)})
    def get(self, request, pk):
        seat = _seat(request, pk)
        tender = seat.committee.tender
        sheets = score_sheet_list_for_seat(member=seat)
        return Response({
            "seat": s.CommitteeSeatSerializer(seat).data,
            "criteria": [{"id": c.pk, "name": c.name, "kind": c.kind,
                          "max_score": str(c.max_score)} for c in tender.criteria.all()],
            "sheets": [{"bid": sheet.bid_id, "organization": sheet.bid.organization.name,
                        "status": sheet.status,
                        "items": {str(i.criterion_id): str(i.score) for i in sheet.items.all()
                                  if i.score is not None}}
                       for sheet in sheets],
        })

    @extend_schema(tags=["scores"], request=s.ScoresSubmitSerializer, responses={
        201: inline_serializer("ScoresSubmitted", {"sheets": serializers.IntegerField()}),
        **errors(400, 401, 404, 409, fields=True)})
    def post(self, request, pk):
        seat = _seat(request, pk)
        payload = s.ScoresSubmitSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        sheets = scores_submit(member=seat, actor=request.user,
                               scores=payload.validated_data["scores"])
        return Response({"sheets": len(sheets)}, status=status.HTTP_201_CREATED)


# Service records -------------------------------------------------------------------------------

@extend_schema(tags=["service-records"], responses={
    200: s.ServiceRecordSerializer(many=True), **errors(400, 401, fields=True)})
class ServiceRecordListApi(V1Mixin, generics.ListAPIView):
    """Service records (服务台账) of the contracts the user's organizations take part in."""

    serializer_class = s.ServiceRecordSerializer
    filterset_class = filters.ServiceRecordFilter

    def get_queryset(self):
        return service_record_list_for_user(user=self.request.user)


class ServiceRecordCreateApi(V1Mixin, APIView):
    """A social worker of the supplier records a service with its evidence files."""

    not_found_message = _("未找到该合同。")

    @extend_schema(tags=["service-records"],
                   request={"multipart/form-data": s.ServiceRecordCreateSerializer,
                            "application/json": s.ServiceRecordCreateSerializer},
                   responses={201: s.ServiceRecordSerializer,
                              **errors(400, 401, 404, 409, fields=True)})
    def post(self, request, pk):
        contract = contract_get_for_user(user=request.user, contract_id=pk)
        if not request.user.has_perm("delivery.add_servicerecord",
                                     ServiceRecord(contract=contract)):
            raise Http404
        payload = s.ServiceRecordCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        record = service_record_add_with_files(contract=contract, actor=request.user,
                                               **payload.validated_data)
        record = service_record_list_for_user(user=request.user).get(pk=record.pk)
        return Response(s.ServiceRecordSerializer(record).data, status=status.HTTP_201_CREATED)


# Payments --------------------------------------------------------------------------------------

@extend_schema(tags=["payments"], responses={200: s.PaymentTrancheSerializer(many=True),
                                             **errors(400, 401, fields=True)})
class PaymentListApi(V1Mixin, generics.ListAPIView):
    """Payment tranches (拨付节点) the user may see: finance, purchaser or supplier."""

    serializer_class = s.PaymentTrancheSerializer
    filterset_class = filters.PaymentFilter

    def get_queryset(self):
        return tranche_list_for_user(user=self.request.user)


# Tokens ----------------------------------------------------------------------------------------

class TokenListApi(V1Mixin, generics.ListAPIView):
    """The tokens the user may see; POST issues one (platform admins, organization heads)."""

    serializer_class = s.ApiTokenSerializer
    not_found_message = _("未找到该用户。")

    def get_queryset(self):
        return token_list_for_user(user=self.request.user)

    @extend_schema(tags=["tokens"], responses={200: s.ApiTokenSerializer(many=True),
                                               **errors(400, 401, fields=True)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(tags=["tokens"], request=s.ApiTokenIssueSerializer, responses={
        201: s.ApiTokenIssuedSerializer, **errors(400, 401, 404, fields=True)})
    def post(self, request):
        payload = s.ApiTokenIssueSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        user = User.objects.filter(username=data["username"]).first()
        if user is None:
            raise Http404
        token, key = token_issue(actor=request.user, user=user,
                                 organization=data.get("organization"), name=data["name"],
                                 days=data.get("days"))
        return Response({**s.ApiTokenSerializer(token).data, "key": key},
                        status=status.HTTP_201_CREATED)


class TokenRevokeApi(V1Mixin, APIView):
    """Revoke a token at once (its issuers, and its own user)."""

    not_found_message = _("未找到该接口令牌。")

    @extend_schema(tags=["tokens"], request=None, responses={
        200: s.ApiTokenSerializer, **errors(401, 404, 409)})
    def post(self, request, pk):
        token = token_list_for_user(user=request.user).filter(pk=pk).first()
        if token is None:
            raise Http404
        token = token_revoke(actor=request.user, token=token)
        return Response(s.ApiTokenSerializer(ApiToken.objects.select_related(
            "user", "organization").get(pk=token.pk)).data)


# The existing endpoints, under v1 with tokens (the classes stay in their apps) ------------------

@extend_schema_view(get=extend_schema(responses={
    200: procurement_api.TenderSerializer(many=True), **errors(400, 401, fields=True)}))
class V1TenderListApi(V1Mixin, procurement_api.TenderListApi):
    pass


@extend_schema_view(
    get=extend_schema(responses={200: procurement_api.BidSerializer(many=True),
                                 **errors(400, 401, 404, fields=True)}),
    post=extend_schema(
        request={"multipart/form-data": procurement_api.BidSubmitSerializer,
                 "application/json": procurement_api.BidSubmitSerializer},
        parameters=[OpenApiParameter(
            "Prefer", OpenApiTypes.STR, OpenApiParameter.HEADER, enum=["respond-async"],
            description=_("respond-async：立即答复 202 并记录到达时间，投标随后登记"
                          "（投标登记，跟踪地址见 Location）；不带此项则在请求中登记并答复 201。"))],
        responses={201: procurement_api.BidSerializer,
                   202: OpenApiResponse(procurement_api.BidIntakeSerializer,
                                        description=_("已收到，登记中（Prefer: respond-async）")),
                   **errors(400, 401, 404, 409, fields=True)}))
class V1TenderBidListApi(V1Mixin, procurement_api.TenderBidListApi):
    """GET the bids the user may read; POST a sealed bid with its files (multipart)."""

    intake_url_name = "api-v1:bid-intake"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Bid.objects.none()
        return super().get_queryset()


@extend_schema_view(get=extend_schema(responses={
    200: inline_serializer("V1TenderOpeningRecord", {
        "tender": serializers.CharField(), "opened_at": serializers.DateTimeField(),
        "bids": serializers.ListField(child=serializers.DictField())}),
    **errors(401, 404)}))
class V1TenderOpeningRecordApi(V1Mixin, procurement_api.TenderOpeningRecordApi):
    pass


@extend_schema_view(get=extend_schema(responses={200: procurement_api.BidIntakeSerializer,
                                                 **errors(401, 404)}))
class V1BidIntakeDetailApi(V1Mixin, procurement_api.BidIntakeDetailApi):
    """GET a bid received by intake (submitted with ``Prefer: respond-async``): pending,
    accepted with the bid and its receipt, or refused with the reason; only its submitter."""


@extend_schema_view(get=extend_schema(responses={200: procurement_api.BidSerializer,
                                                 **errors(401, 404)}))
class V1BidDetailApi(V1Mixin, procurement_api.BidDetailApi):
    permission_classes = procurement_api.BidDetailApi.permission_classes


@extend_schema_view(
    get=extend_schema(responses={200: OrganizationSerializer(many=True),
                                 **errors(400, 401, 403, fields=True)}),
    post=extend_schema(responses={201: OrganizationSerializer,
                                  **errors(400, 401, 403, fields=True)}))
class V1OrganizationListCreateApi(V1Mixin, OrganizationListCreateApi):
    permission_classes = [IsAuthenticated, IsPlatformAdmin]
