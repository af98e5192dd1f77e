from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView

from syncjobs.views import linkedin_callback
from tracker_rsc.api.docs import DocsView
from tracker_rsc.signin_views import signin_return, signin_start
from tracker_rsc.views import healthz

urlpatterns = [
    # The sync dashboard sits under admin/ but must match before the admin's catch-all.
    path("admin/dashboard/", include("syncjobs.dashboard")),
    path("admin/", admin.site.urls),
    path("healthz/", healthz, name="healthz"),
    path("api/v1/", include("tracker_rsc.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", DocsView.as_view(url_name="api-schema"), name="api-docs"),
    path(
        "integrations/linkedin/callback/<str:token>/",
        linkedin_callback,
        name="linkedin-callback",
    ),
    # Sign in with LinkedIn (binds the signed-in member's Recruiter seat to the Tracker user).
    path("accounts/linkedin/signin/", signin_start, name="linkedin-signin"),
    path("accounts/linkedin/return/", signin_return, name="linkedin-signin-return"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("candidates/", include("candidates.urls")),
    path("requisitions/", include("requisitions.urls")),
    path("", RedirectView.as_view(url="/candidates/", permanent=False), name="home"),
]

if settings.LINKEDIN_SANDBOX:
    # The simulated LinkedIn (docs/architecture.md §6); absent, hence 404, in production.
    urlpatterns += [path("sandbox/linkedin/", include("tracker_rsc.sandbox.urls"))]

# Under /api/ errors outside DRF's views (no route, a failure) answer JSON like the API does.
handler400 = "tracker_rsc.errors.bad_request"
handler403 = "tracker_rsc.errors.permission_denied"
handler404 = "tracker_rsc.errors.page_not_found"
handler500 = "tracker_rsc.errors.server_error"
