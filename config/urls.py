from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.health import healthz
from config.views import api_not_found

api_v1 = [
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api_schema"),
        name="api_docs",
    ),
    path("", include("deliberation.api.urls")),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include(api_v1)),
    # The docs page of the current API version, at a stable address.
    path(
        "api/docs/",
        RedirectView.as_view(pattern_name="api_docs"),
        name="api_docs_latest",
    ),
    # Only addresses ending in a slash: others get APPEND_SLASH's redirect first.
    re_path(r"^api/(?:.*/)?$", api_not_found),
    path("", include("deliberation.urls")),
]

handler400 = "config.badinput.bad_request"
handler404 = "config.badinput.not_found"
handler500 = "config.middleware.server_error"
