from django.contrib import admin
from django.urls import include, path

from newsdesk.security import ThrottledLoginView

urlpatterns = [
    path("", include("annotations.urls")),
    path("api/", include("annotations.api.urls")),
    path("accounts/login/", ThrottledLoginView.as_view(), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
]
