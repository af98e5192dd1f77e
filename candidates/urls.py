"""Recruiter pages for candidates, mounted at /candidates/ (Candidate.get_absolute_url)."""

from django.urls import path

from candidates import views

app_name = "candidates"

urlpatterns = [
    path("", views.candidate_list, name="list"),
    path("<int:pk>/", views.candidate_detail, name="detail"),
    path("<int:pk>/save/", views.candidate_save, name="save"),
    path("<int:pk>/cv/", views.candidate_cv, name="cv"),
    path("<int:pk>/linkedin/", views.candidate_linkedin, name="linkedin"),
    path("<int:pk>/linkedin/link/", views.candidate_link, name="link"),
    path("<int:pk>/linkedin/unlink/", views.candidate_unlink, name="unlink"),
]
