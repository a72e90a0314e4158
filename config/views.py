from django.shortcuts import render


def rate_limited(request, exception=None):
    """django-ratelimit's answer to too many writes: 429, and why."""
    return render(request, "429.html", status=429)
