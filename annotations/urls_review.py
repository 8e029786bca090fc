"""URL patterns of the review area; included into annotations/urls.py (namespace "annotations")."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
