"""The LinkedIn callback endpoint."""

from django.http import HttpRequest, HttpResponse, HttpResponseNotFound


def linkedin_callback(request: HttpRequest, token: str) -> HttpResponse:
    return HttpResponseNotFound()
