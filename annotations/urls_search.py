"""URL patterns of the search area; included into annotations/urls.py (namespace "annotations")."""

from django.urls import URLPattern, URLResolver, path

from annotations.views import search

urlpatterns: list[URLPattern | URLResolver] = [
    path("search/", search.search, name="search"),
    path("search/export.csv", search.search_export_csv, name="search_export_csv"),
    path("search/export.jsonl", search.search_export_jsonl, name="search_export_jsonl"),
    path("search/speakers/", search.search_speaker_options, name="search_speaker_options"),
]
