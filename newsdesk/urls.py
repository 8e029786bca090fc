from django.contrib import admin
from django.urls import include, path

from annotations.views.core import favicon

urlpatterns = [
    path("", include("annotations.urls")),
    path("api/", include("annotations.api.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico whatever the page says; the icon is an SVG in static/.
    path("favicon.ico", favicon),
]
