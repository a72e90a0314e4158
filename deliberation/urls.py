from django.urls import path, register_converter

from deliberation.views import analysis as analysis_views
from deliberation.views import annotations as annotation_views
from deliberation.views import classroom, interchange, membership, moderation, voting
from deliberation.views import debates as views
from deliberation.views import results as result_views


class ItemKindConverter:
    """The kinds of item people flag and moderators act on; anything else
    (``members`` among them) is left to the routes below."""

    regex = "claims|annotations|comments"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ItemKindConverter, "item_kind")

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("join/", classroom.join, name="join"),
    path("join/<str:code>/", classroom.join, name="join_code"),
    path("classes/", classroom.my_classes, name="my_classes"),
    path("classes/new/", classroom.class_new, name="class_new"),
    path(
        "d/<slug:slug>/class/pupils/<int:member>/",
        classroom.pupil_contributions,
        name="class_pupil",
    ),
    # The teacher's (or facilitator's) class dashboard (views/classroom.py)
    path("d/<slug:slug>/class/", classroom.dashboard, name="class_dashboard"),
    path("d/<slug:slug>/class/live/", classroom.dashboard_live, name="class_live"),
    path("d/<slug:slug>/class/qr.svg", classroom.class_qr, name="class_qr"),
    path("d/<slug:slug>/class/phase/", classroom.phase_change, name="class_phase"),
    path("d/<slug:slug>/phase/tick/", classroom.phase_tick, name="phase_tick"),
    path(
        "d/<slug:slug>/class/schedule/",
        classroom.phase_schedule,
        name="class_schedule",
    ),
    path(
        "d/<slug:slug>/class/sides/balance/",
        classroom.sides_balance,
        name="class_sides_balance",
    ),
    path("d/<slug:slug>/class/sides/", classroom.sides_edit, name="class_sides"),
    path("d/<slug:slug>/class/joining/", classroom.joining, name="class_joining"),
    path("d/<slug:slug>/class/roster/", classroom.roster, name="class_roster"),
    path("d/<slug:slug>/class/groups/", classroom.group_copies, name="class_groups"),
    path("import/", interchange.debate_import_page, name="debate_import"),
    path("import/<str:job>/", interchange.debate_import_job, name="debate_import_job"),
    path(
        "d/<slug:slug>/annotations/import/",
        interchange.annotations_import_page,
        name="annotations_import",
    ),
    path(
        "d/<slug:slug>/export/<str:format>/",
        interchange.debate_download,
        name="debate_download",
    ),
    path("invite/<str:token>/", membership.invite, name="invite"),
    path(
        "d/<slug:slug>/invitation/reset/",
        membership.invitation_reset,
        name="invitation_reset",
    ),
    path("d/<slug:slug>/", views.debate_detail, name="debate_detail"),
    path("d/<slug:slug>/analysis/", analysis_views.analysis, name="debate_analysis"),
    path(
        "d/<slug:slug>/analysis/run/",
        analysis_views.analysis_run,
        name="debate_analysis_run",
    ),
    path("d/<slug:slug>/search/", views.debate_search, name="debate_search"),
    path("d/<slug:slug>/sources/", views.source_list, name="source_list"),
    path(
        "d/<slug:slug>/sources/<slug:key>/", views.source_detail, name="source_detail"
    ),
    path("d/<slug:slug>/claims/<int:pk>/", views.claim_detail, name="claim_detail"),
    path("d/<slug:slug>/claims/<int:pk>/add/", views.claim_add, name="claim_add"),
    path("d/<slug:slug>/claims/<int:pk>/edit/", views.claim_edit, name="claim_edit"),
    path("d/<slug:slug>/vote/", voting.vote_next, name="vote_next"),
    path("d/<slug:slug>/claims/<int:pk>/vote/", voting.claim_vote, name="claim_vote"),
    path(
        "d/<slug:slug>/claims/<int:pk>/impact/",
        voting.claim_impact,
        name="claim_impact",
    ),
    path(
        "d/<slug:slug>/claims/<int:pk>/history/",
        views.claim_history,
        name="claim_history",
    ),
    path(
        "d/<slug:slug>/claims/<int:pk>/history/<int:number>/redact/",
        views.claim_revision_redact,
        name="claim_revision_redact",
    ),
    # Annotations, evidence and comments (deliberation/views/annotations.py)
    path(
        "d/<slug:slug>/sources/<slug:key>/annotate/",
        annotation_views.source_annotate,
        name="source_annotate",
    ),
    path(
        "d/<slug:slug>/claims/<int:pk>/annotate/",
        annotation_views.claim_annotate,
        name="claim_annotate",
    ),
    path(
        "d/<slug:slug>/claims/<int:pk>/comments/",
        annotation_views.claim_comment_add,
        name="claim_comment_add",
    ),
    path(
        "d/<slug:slug>/annotations/<int:pk>/",
        annotation_views.annotation_detail,
        name="annotation_detail",
    ),
    path(
        "d/<slug:slug>/annotations/<int:pk>/edit/",
        annotation_views.annotation_edit,
        name="annotation_edit",
    ),
    path(
        "d/<slug:slug>/annotations/<int:pk>/delete/",
        annotation_views.annotation_delete,
        name="annotation_delete",
    ),
    path(
        "d/<slug:slug>/annotations/<int:pk>/comments/",
        annotation_views.annotation_comment_add,
        name="annotation_comment_add",
    ),
    path(
        "d/<slug:slug>/comments/<int:pk>/edit/",
        annotation_views.comment_edit,
        name="comment_edit",
    ),
    path(
        "d/<slug:slug>/comments/<int:pk>/delete/",
        annotation_views.comment_delete,
        name="comment_delete",
    ),
    path(
        "d/<slug:slug>/comments/<int:pk>/history/",
        annotation_views.comment_history,
        name="comment_history",
    ),
    # Moderation (deliberation/views/moderation.py)
    path(
        "d/<slug:slug>/<item_kind:kind>/<int:pk>/flag/",
        moderation.item_flag,
        name="item_flag",
    ),
    path(
        "d/<slug:slug>/<item_kind:kind>/<int:pk>/moderate/",
        moderation.item_moderate,
        name="item_moderate",
    ),
    path("d/<slug:slug>/flags/mine/", moderation.my_flags, name="my_flags"),
    path(
        "d/<slug:slug>/flags/<int:pk>/reply/",
        moderation.flag_reply,
        name="flag_reply",
    ),
    path("d/<slug:slug>/moderation/", moderation.queue, name="moderation_queue"),
    path(
        "d/<slug:slug>/moderation/duplicates/",
        moderation.duplicates,
        name="moderation_duplicates",
    ),
    path(
        "d/<slug:slug>/moderation/bulk/",
        moderation.queue_bulk,
        name="moderation_bulk",
    ),
    path(
        "d/<slug:slug>/moderation/reasons/",
        moderation.reasons_edit,
        name="moderation_reasons",
    ),
    # The audit log where docs/moderation.md and the API put it; the former
    # address redirects.
    path(
        "d/<slug:slug>/moderation-log/",
        moderation.moderation_log,
        name="moderation_log",
    ),
    path(
        "d/<slug:slug>/moderation-log.csv",
        moderation.moderation_log_csv,
        name="moderation_log_csv",
    ),
    path(
        "d/<slug:slug>/moderation/log/",
        moderation.moderation_log_moved,
        name="moderation_log_moved",
    ),
    path("d/<slug:slug>/members/", moderation.members, name="members"),
    path("d/<slug:slug>/me/", membership.my_membership, name="my_membership"),
    path(
        "d/<slug:slug>/members/<int:pk>/",
        moderation.member_detail,
        name="member_detail",
    ),
    path(
        "d/<slug:slug>/members/<int:pk>/role/",
        moderation.member_role,
        name="member_role",
    ),
    path(
        "d/<slug:slug>/members/<int:pk>/moderate/",
        moderation.member_moderate,
        name="member_moderate",
    ),
    # Results, reports and erasure (deliberation/views/results.py)
    path(
        "d/<slug:slug>/class/results.csv",
        result_views.class_results_csv,
        name="class_results_csv",
    ),
    path("d/<slug:slug>/class/erase/", result_views.class_erase, name="class_erase"),
    path("d/<slug:slug>/report/", result_views.report, name="debate_report"),
    path("d/<slug:slug>/report.pdf", result_views.report_pdf, name="debate_report_pdf"),
    path(
        "d/<slug:slug>/report/pdf/",
        result_views.report_pdf_job,
        name="debate_report_pdf_job",
    ),
    path("d/<slug:slug>/summary/", result_views.summary, name="debate_summary"),
    path(
        "d/<slug:slug>/summary.csv",
        result_views.summary_csv,
        name="debate_summary_csv",
    ),
    path(
        "d/<slug:slug>/summary.md",
        result_views.summary_markdown,
        name="debate_summary_md",
    ),
    path("notifications/", moderation.notifications, name="notifications"),
    path(
        "notifications/read/",
        moderation.notifications_read,
        name="notifications_read",
    ),
]
