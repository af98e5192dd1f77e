"""REST API v1 routes (docs/architecture.md §5.2), mounted at /api/v1/ by tracker_rsc.urls."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from tracker_rsc.api import views

app_name = "api"

# SimpleRouter: the URLs are exactly the schema's paths (no browsable root view, no ".json"
# format-suffix aliases that the schema would not list).
router = SimpleRouter()
router.register("candidates", views.CandidateViewSet, basename="candidate")
router.register("requisitions", views.RequisitionViewSet, basename="requisition")
router.register("placements", views.PlacementViewSet, basename="placement")
router.register("activities", views.ActivityViewSet, basename="activity")

urlpatterns = [
    path("skills/search/", views.SkillSearchView.as_view(), name="skill-search"),
    *router.urls,
]
