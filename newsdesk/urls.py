from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("annotations.urls")),
    path("api/", include("annotations.api.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
]
