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

# Under /api/ these answer in the API's error shape; elsewhere they render 400.html / 500.html.
handler400 = "newsdesk.error_pages.bad_request"
handler500 = "newsdesk.error_pages.server_error"
