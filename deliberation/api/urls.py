"""Routes of the API under /api/v1/ (included from config.urls)."""

from django.urls import path

from deliberation.api import annotations, membership, moderation, views, voting

urlpatterns = [
    path("join/", membership.JoinView.as_view(), name="api-join"),
    path("debates/", views.DebateListView.as_view(), name="api-debate-list"),
    path(
        "debates/<slug:slug>/",
        views.DebateDetailView.as_view(),
        name="api-debate-detail",
    ),
    path(
        "debates/<slug:slug>/tree/",
        views.DebateTreeView.as_view(),
        name="api-debate-tree",
    ),
    path(
        "debates/<slug:slug>/similar/",
        views.DebateSimilarView.as_view(),
        name="api-debate-similar",
    ),
    path(
        "debates/<slug:slug>/theses/",
        views.DebateThesesView.as_view(),
        name="api-debate-theses",
    ),
    path(
        "debates/<slug:slug>/sources/",
        views.DebateSourcesView.as_view(),
        name="api-debate-sources",
    ),
    path("claims/", views.ClaimCreateView.as_view(), name="api-claim-create"),
    path("claims/<int:pk>/", views.ClaimDetailView.as_view(), name="api-claim-detail"),
    path(
        "claims/<int:pk>/children/",
        views.ClaimChildrenView.as_view(),
        name="api-claim-children",
    ),
    path(
        "claims/<int:pk>/revisions/",
        views.ClaimRevisionsView.as_view(),
        name="api-claim-revisions",
    ),
    path(
        "claims/<int:pk>/citations/",
        views.ClaimCitationsView.as_view(),
        name="api-claim-citations",
    ),
    path(
        "claims/<int:pk>/vote/", voting.ClaimVoteView.as_view(), name="api-claim-vote"
    ),
    path(
        "claims/<int:pk>/impact/",
        voting.ClaimImpactView.as_view(),
        name="api-claim-impact",
    ),
    path(
        "claims/<int:pk>/tally/",
        voting.ClaimTallyView.as_view(),
        name="api-claim-tally",
    ),
    path(
        "citations/<int:pk>/",
        views.CitationDetailView.as_view(),
        name="api-citation-detail",
    ),
    path(
        "sources/<int:pk>/", views.SourceDetailView.as_view(), name="api-source-detail"
    ),
    path(
        "sources/<int:pk>/revisions/",
        views.SourceRevisionsView.as_view(),
        name="api-source-revisions",
    ),
    # Annotations (W3C Web Annotation Protocol) and comments: api/annotations.py
    path(
        "debates/<slug:slug>/annotations/",
        annotations.AnnotationContainerView.as_view(),
        name="api-debate-annotations",
    ),
    path(
        "annotations/<int:pk>/",
        annotations.AnnotationDetailView.as_view(),
        name="api-annotation-detail",
    ),
    path(
        "annotations/<int:pk>/comments/",
        annotations.AnnotationCommentsView.as_view(),
        name="api-annotation-comments",
    ),
    path(
        "claims/<int:pk>/comments/",
        annotations.ClaimCommentsView.as_view(),
        name="api-claim-comments",
    ),
    path(
        "comments/<int:pk>/",
        annotations.CommentDetailView.as_view(),
        name="api-comment-detail",
    ),
    path(
        "comments/<int:pk>/revisions/",
        annotations.CommentRevisionsView.as_view(),
        name="api-comment-revisions",
    ),
    # Moderation: api/moderation.py
    path("flags/", moderation.FlagCreateView.as_view(), name="api-flag-create"),
    path(
        "flags/<int:pk>/reply/",
        moderation.FlagReplyView.as_view(),
        name="api-flag-reply",
    ),
    path(
        "debates/<slug:slug>/flags/",
        moderation.QueueView.as_view(),
        name="api-debate-queue",
    ),
    path(
        "debates/<slug:slug>/duplicates/",
        moderation.DuplicatesView.as_view(),
        name="api-debate-duplicates",
    ),
    path(
        "debates/<slug:slug>/my-flags/",
        moderation.MyFlagsView.as_view(),
        name="api-debate-my-flags",
    ),
    path(
        "debates/<slug:slug>/moderation-log/",
        moderation.ModerationLogView.as_view(),
        name="api-debate-moderation-log",
    ),
    path(
        "claims/<int:pk>/moderate/",
        moderation.ClaimModerateView.as_view(),
        name="api-claim-moderate",
    ),
    path(
        "annotations/<int:pk>/moderate/",
        moderation.AnnotationModerateView.as_view(),
        name="api-annotation-moderate",
    ),
    path(
        "comments/<int:pk>/moderate/",
        moderation.CommentModerateView.as_view(),
        name="api-comment-moderate",
    ),
    path(
        "memberships/<int:pk>/moderate/",
        moderation.MembershipModerateView.as_view(),
        name="api-membership-moderate",
    ),
    path(
        "notifications/",
        moderation.NotificationListView.as_view(),
        name="api-notifications",
    ),
    path(
        "notifications/read/",
        moderation.NotificationsReadView.as_view(),
        name="api-notifications-read",
    ),
]
