"""Admin for committees, score sheets and performance evaluations (read-mostly).

Score sheets and items are listed only for tenders whose bids have been opened: they cannot exist
earlier, but the admin must never become a way to read anything about sealed bids.
"""

from django.contrib import admin

from core.admin import ServiceManagedAdmin
from evaluation.models import (
    CommitteeMember,
    EvaluationCommittee,
    PartyScore,
    PerformanceEvaluation,
    SatisfactionResponse,
    ScoreCorrection,
    ScoreItem,
    ScoreSheet,
    TieDraw,
)
from procurement.models import Tender

SEALED_TENDER_STATUSES = (Tender.Status.DRAFT, Tender.Status.PUBLISHED)


class CommitteeMemberInline(admin.TabularInline):
    model = CommitteeMember
    extra = 0
    can_delete = False
    readonly_fields = ["expert", "is_chair"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(EvaluationCommittee)
class EvaluationCommitteeAdmin(ServiceManagedAdmin):
    list_display = ["tender", "formed_at", "draw_seed"]
    list_select_related = ["tender"]
    inlines = [CommitteeMemberInline]


@admin.register(ScoreSheet)
class ScoreSheetAdmin(ServiceManagedAdmin):
    list_display = ["member", "bid", "total", "status", "submitted_at"]
    list_select_related = ["member__expert", "bid__organization", "bid__tender"]
    list_filter = ["status"]

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(
            bid__tender__status__in=SEALED_TENDER_STATUSES)


@admin.register(ScoreItem)
class ScoreItemAdmin(ServiceManagedAdmin):
    list_display = ["sheet", "criterion", "score"]
    list_select_related = ["sheet__member__expert", "sheet__bid__organization", "sheet__bid__tender",
                           "criterion"]

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(
            sheet__bid__tender__status__in=SEALED_TENDER_STATUSES)


@admin.register(ScoreCorrection)
class ScoreCorrectionAdmin(ServiceManagedAdmin):
    list_display = ["item", "old_score", "new_score", "reason", "corrected_by", "corrected_at"]


@admin.register(TieDraw)
class TieDrawAdmin(ServiceManagedAdmin):
    list_display = ["tender", "seed", "drawn_by", "drawn_at"]
    list_select_related = ["tender", "drawn_by"]


class PartyScoreInline(admin.TabularInline):
    model = PartyScore
    extra = 0
    can_delete = False
    readonly_fields = ["party", "organization", "evaluator", "category_scores", "score", "comment",
                       "submitted_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PerformanceEvaluation)
class PerformanceEvaluationAdmin(ServiceManagedAdmin):
    list_display = ["contract", "status", "total", "grade", "opened_at", "finalized_at"]
    list_select_related = ["contract"]
    list_filter = ["status", "grade"]
    inlines = [PartyScoreInline]


@admin.register(SatisfactionResponse)
class SatisfactionResponseAdmin(ServiceManagedAdmin):
    list_display = ["evaluation", "score", "submitted_at"]
