"""The LinkedIn callback endpoint: a thin view over ``syncjobs.notifications``."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from syncjobs.notifications import notification_receive
from tracker_rsc.linkedin.signatures import challenge_response


@csrf_exempt  # LinkedIn signs its posts (X-LI-Signature); there is no session or form here.
@never_cache
@require_http_methods(["GET", "POST"])
def linkedin_callback(request: HttpRequest, token: str) -> HttpResponse:
    """``GET ?challengeCode=`` proves we hold the client secret; ``POST`` delivers a push.

    The challenge touches neither the database nor the broker, so it answers within LinkedIn's
    3 seconds whatever else is down; it is answered on any token path because the HMAC itself
    is the proof (an unknown token's POST is still a 404). A POST is stored before it is
    acknowledged (see ``notification_receive`` for the status codes).
    """
    if request.method == "GET":
        code = request.GET.get("challengeCode", "")
        if not code:
            return JsonResponse({"error": "challengeCode is required."}, status=400)
        if not settings.LINKEDIN_CLIENT_SECRET:
            return JsonResponse({"error": "LinkedIn credentials are not configured."}, status=503)
        return JsonResponse(challenge_response(code, settings.LINKEDIN_CLIENT_SECRET))
    receipt = notification_receive(token=token, body=request.body, headers=request.headers)
    if receipt.status_code == 200:
        return JsonResponse({"status": receipt.message})
    return JsonResponse({"error": receipt.message}, status=receipt.status_code)
