"""Recruiter pages for requisitions, mounted at /requisitions/ (Requisition.get_absolute_url)."""

from django.urls import path

from requisitions import views

app_name = "requisitions"

urlpatterns = [
    path("", views.requisition_list, name="list"),
    path("<int:pk>/", views.requisition_detail, name="detail"),
]
