from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt


def rate_limited(request, exception=None):
    """django-ratelimit's answer to too many writes: 429, and why."""
    return render(request, "429.html", status=429)


@csrf_exempt  # it changes nothing; a CSRF refusal would be an HTML 403
def api_not_found(request, path=""):
    """An API address that matches no endpoint (``/api/v1/claims/abc/``) is a
    JSON 404 like every other API answer, not the HTML page, DEBUG or not."""
    return JsonResponse({"detail": "Not found."}, status=404)
