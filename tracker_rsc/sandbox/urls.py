"""The sandbox's URLs, mounted at /sandbox/linkedin/ only when ``LINKEDIN_SANDBOX`` is on.

``oauth/v2/accessToken`` is LinkedIn's token URL, ``oauth/v2/authorization`` its sign-in page
(Sign In with LinkedIn, ``oidc.py``), ``v2/…`` and ``rest/…`` its API, and
``control/`` the page and JSON API that let a person or a test act as LinkedIn.
"""

from django.urls import path

from tracker_rsc.sandbox import control, oidc, views

app_name = "sandbox"

urlpatterns = [
    path("oauth/v2/accessToken", views.access_token, name="access-token"),
    # Sign In with LinkedIn: the public sign-in page (like LinkedIn's, no Tracker login) and
    # the member's user info.
    path("oauth/v2/authorization", oidc.authorize, name="oidc-authorize"),
    path("v2/userinfo", views.userinfo, name="oidc-userinfo"),
    # Rest.li 1.0 resources (/v2/).
    path("v2/atsIntegrations", views.ats_integrations, name="ats-integrations"),
    path(
        "v2/atsIntegrations/<path:key>/configurations",
        views.ats_integration_configurations,
        name="ats-integration-configurations",
    ),
    path("v2/atsCandidates", views.ats_candidates, name="ats-candidates"),
    path("v2/simpleJobPostings", views.simple_job_postings, name="simple-job-postings"),
    path(
        "v2/simpleJobPostingTasks", views.simple_job_posting_tasks, name="simple-job-posting-tasks"
    ),
    path("v2/atsEntityAcls", views.ats_entity_acls, name="ats-entity-acls"),
    path(
        "v2/atsEntityAclAssignees", views.ats_entity_acl_assignees, name="ats-entity-acl-assignees"
    ),
    path("v2/atsApplications", views.ats_applications, name="ats-applications"),
    path("v2/exportedCandidates", views.exported_candidates, name="exported-candidates"),
    path("v2/mailStubs", views.mail_stubs, name="mail-stubs"),
    path("v2/conversationEvents", views.conversation_events, name="conversation-events"),
    path("v2/prospectNotes", views.prospect_notes, name="prospect-notes"),
    path("v2/seatsV2", views.seats_v2, name="seats-v2"),
    # Versioned resources (/rest/, LinkedIn-Version header).
    path("rest/jobRequisitions", views.job_requisitions, name="job-requisitions"),
    path("rest/attachments", views.attachments, name="attachments"),
    path(
        "rest/exportedApplicationEvaluation",
        views.exported_application_evaluation,
        name="exported-application-evaluation",
    ),
    # LinkedIn's release notes name the finder resource in the plural too.
    path("rest/exportedApplicationEvaluations", views.exported_application_evaluation),
    path(
        "rest/hiringProjectConnections",
        views.hiring_project_connections,
        name="hiring-project-connections",
    ),
    path(
        "rest/atsPurgedExportedCandidates",
        views.purged_exported_candidates,
        name="purged-exported-candidates",
    ),
    # Control page (HTML) and control API (JSON).
    path("control/", control.control_page, name="control"),
    path("control/action/<slug:action>", control.page_action, name="control-action"),
    path("control/api/state", control.api_state, name="control-api-state"),
    path("control/api/stats", control.api_stats, name="control-api-stats"),
    path("control/api/members", control.api_members, name="control-api-members"),
    path("control/api/faults", control.api_faults, name="control-api-faults"),
    path("control/api/settings", control.api_settings, name="control-api-settings"),
    path("control/api/pushes", control.api_pushes, name="control-api-pushes"),
    path("control/api/applications", control.api_applications, name="control-api-applications"),
    path("control/api/candidates", control.api_candidates, name="control-api-candidates"),
    path("control/api/<slug:action>", control.api_action, name="control-api-action"),
]
