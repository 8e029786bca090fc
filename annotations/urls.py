from django.urls import path

from annotations import urls_review, urls_search, views

app_name = "annotations"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    *urls_review.urlpatterns,
    *urls_search.urlpatterns,
]
