"""REST API v1 routes (docs/architecture.md §5.2), mounted at /api/v1/ by tracker_rsc.urls."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from tracker_rsc.api import views

app_name = "api"

router = DefaultRouter()
router.register("candidates", views.CandidateViewSet, basename="candidate")
router.register("requisitions", views.RequisitionViewSet, basename="requisition")
router.register("placements", views.PlacementViewSet, basename="placement")
router.register("activities", views.ActivityViewSet, basename="activity")

urlpatterns = [
    path("skills/search/", views.SkillSearchView.as_view(), name="skill-search"),
    *router.urls,
]
