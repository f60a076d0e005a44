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
    path("bids/<int:pk>/withdraw/", views.bid_withdraw_view, name="bid-withdraw"),
    path("bids/<int:pk>/files/<int:file_pk>/delete/", views.bid_file_remove_view,
         name="bid-file-remove"),
    path("contracts/", views.ContractListView.as_view(), name="contract-list"),
    path("contracts/<int:pk>/", views.ContractDetailView.as_view(), name="contract-detail"),
]

# Clarification Q&A (澄清答疑) and challenges (质疑).
from procurement import views_qa  # noqa: E402

urlpatterns += [
    path("tenders/<int:pk>/qa/", views_qa.TenderQAView.as_view(), name="tender-qa"),
    path("tenders/<int:pk>/challenge/", views_qa.ChallengeSubmitView.as_view(),
         name="challenge-submit"),
    path("questions/<int:pk>/answer/", views_qa.question_answer_view, name="question-answer"),
    path("challenges/<int:pk>/", views_qa.ChallengeDetailView.as_view(), name="challenge-detail"),
    path("challenges/<int:pk>/withdraw/", views_qa.challenge_withdraw_view,
         name="challenge-withdraw"),
    path("qa/", views_qa.QAPendingView.as_view(), name="qa-pending"),
]
