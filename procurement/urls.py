from django.urls import path

from procurement import views

app_name = "procurement"
urlpatterns = [
    path("needs/", views.NeedListView.as_view(), name="need-list"),
    path("needs/<int:pk>/", views.NeedDetailView.as_view(), name="need-detail"),
    path("needs/<int:pk>/support/", views.need_support_view, name="need-support"),
    path("projects/", views.ProjectListView.as_view(), name="project-list"),
    path("projects/<int:pk>/", views.ProjectDetailView.as_view(), name="project-detail"),
    path("tenders/", views.TenderListView.as_view(), name="tender-list"),
    path("tenders/<int:pk>/", views.TenderDetailView.as_view(), name="tender-detail"),
    path("tenders/<int:pk>/bid/", views.BidSubmitView.as_view(), name="bid-submit"),
    path("bids/<int:pk>/", views.BidDetailView.as_view(), name="bid-detail"),
    path("bid-intakes/<int:pk>/", views.BidIntakeView.as_view(), name="bid-intake"),
    path("flags/<int:pk>/decide/", views.BidFlagDecideView.as_view(), name="bid-flag-decide"),
    path("bids/<int:pk>/withdraw/", views.bid_withdraw_view, name="bid-withdraw"),
    path("receipts/<int:pk>/pdf/", views.bid_receipt_pdf_view, name="bid-receipt-pdf"),
    path("bids/<int:pk>/files/<int:file_pk>/delete/", views.bid_file_remove_view,
         name="bid-file-remove"),
    path("contracts/", views.ContractListView.as_view(), name="contract-list"),
    path("contracts/<int:pk>/", views.ContractDetailView.as_view(), name="contract-detail"),
]

# Clarification Q&A (澄清答疑) and challenges (质疑).
from procurement.views import questions as question_views  # noqa: E402

urlpatterns += [
    path("tenders/<int:pk>/qa/", question_views.TenderQAView.as_view(), name="tender-qa"),
    path("tenders/<int:pk>/challenge/", question_views.ChallengeSubmitView.as_view(),
         name="challenge-submit"),
    path("questions/<int:pk>/answer/", question_views.question_answer_view, name="question-answer"),
    path("challenges/<int:pk>/", question_views.ChallengeDetailView.as_view(), name="challenge-detail"),
    path("challenges/<int:pk>/remedy/", question_views.ChallengeRemedyView.as_view(),
         name="challenge-remedy"),
    path("challenges/<int:pk>/withdraw/", question_views.challenge_withdraw_view,
         name="challenge-withdraw"),
    path("qa/", question_views.QAPendingView.as_view(), name="qa-pending"),
]

# Grants: delegation (经办人), supervision (纪检/审计), third-party evaluation.
from procurement.views import grants as grant_views  # noqa: E402
from procurement.views import teams as team_views  # noqa: E402

urlpatterns += [
    path("projects/<int:pk>/grants/delegate/", grant_views.project_delegate_grant_view,
         name="project-delegate-grant"),
    path("projects/<int:pk>/grants/delegate/revoke/", grant_views.project_delegate_revoke_view,
         name="project-delegate-revoke"),
    path("projects/<int:pk>/grants/supervision/", grant_views.project_supervision_grant_view,
         name="project-supervision-grant"),
    path("projects/<int:pk>/grants/supervision/revoke/",
         grant_views.project_supervision_revoke_view, name="project-supervision-revoke"),
    path("contracts/<int:pk>/team/request/", team_views.team_change_request_view,
         name="contract-team-request"),
    path("team-changes/<int:pk>/decide/", team_views.team_change_decide_view,
         name="contract-team-decide"),
    path("contracts/<int:pk>/grants/evaluation/", grant_views.contract_evaluation_grant_view,
         name="contract-evaluation-grant"),
    path("contracts/<int:pk>/grants/evaluation/revoke/",
         grant_views.contract_evaluation_revoke_view, name="contract-evaluation-revoke"),
]

# Amendments (更正公告) and re-confirmation of bids.
from procurement.views import amendments as amendment_views  # noqa: E402

urlpatterns += [
    path("tenders/<int:pk>/amend/", amendment_views.TenderAmendView.as_view(), name="tender-amend"),
    path("tenders/<int:pk>/extend/", amendment_views.TenderExtendView.as_view(),
         name="tender-extend"),
    path("bids/<int:pk>/reconfirm/", amendment_views.bid_reconfirm_view, name="bid-reconfirm"),
]

# Procurement methods: the final-quote round (最后报价) of 磋商 and 谈判.
from procurement.views import methods as method_views  # noqa: E402

urlpatterns += [
    path("tenders/<int:pk>/final-quotes/", method_views.FinalQuoteRoundView.as_view(),
         name="final-quotes"),
]

# Versions of a project's design (revise and resubmit).
from procurement.views import versions as version_views  # noqa: E402

urlpatterns += [
    path("projects/<int:pk>/versions/<int:number>/", version_views.ProjectVersionView.as_view(),
         name="project-version"),
]
