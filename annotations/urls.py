"""Every page of the desk (namespace "annotations"); the REST API has its own in api/urls.py."""

from django.urls import URLPattern, URLResolver, path

from annotations.views import (
    core,
    ingest,
    integrations,
    review,
    search,
    speaker_merge,
    speakers,
)

app_name = "annotations"

urlpatterns: list[URLPattern | URLResolver] = [
    # The review queue and the health check.
    path("", core.home, name="home"),
    path("healthz", core.healthz, name="healthz"),
    # Bringing articles in: paste, a URL, a file; upload batches and their progress.
    path("articles/new/", ingest.article_new, name="article_new"),
    path("ingest/<int:pk>/", ingest.ingest_batch, name="ingest_batch"),
    # An article under review: the highlighted text, its quotes and their decisions.
    path("articles/<int:pk>/", review.article_detail, name="article_detail"),
    path(
        "articles/<int:pk>/prehighlight/",
        review.article_prehighlight_status,
        name="article_prehighlight_status",
    ),
    path("articles/<int:pk>/live/", review.article_live, name="article_live"),
    path("articles/<int:pk>/quotes/add/", review.quote_add, name="quote_add"),
    path("quotes/<int:pk>/", review.quote_row, name="quote_row"),
    path("quotes/<int:pk>/review/", review.quote_review, name="quote_review"),
    path("quotes/<int:pk>/undo/", review.quote_undo, name="quote_undo"),
    path("quotes/<int:pk>/carry/", review.quote_carry, name="quote_carry"),
    path("quotes/<int:pk>/speaker/", review.quote_speaker, name="quote_speaker"),
    path("quotes/<int:pk>/span/", review.quote_span, name="quote_span"),
    path(
        "quotes/<int:pk>/title-proposal/",
        review.quote_title_proposal,
        name="quote_title_proposal",
    ),
    path("quotes/<int:pk>/history/", review.quote_history, name="quote_history"),
    path("speakers/search/", review.speaker_search, name="speaker_search"),
    # A speaker: roles over time, quotes and verdicts, aliases.
    path("speakers/<int:pk>/", speakers.speaker_detail, name="speaker_detail"),
    path("speakers/merge/", speaker_merge.speakers_merge, name="speakers_merge"),
    # The CMS side, for admins: API keys and webhook endpoints.
    path("integrations/", integrations.integrations, name="integrations"),
    path("integrations/keys/", integrations.api_key_create, name="api_key_create"),
    path("integrations/keys/<int:pk>/revoke/", integrations.api_key_revoke, name="api_key_revoke"),
    path(
        "integrations/endpoints/",
        integrations.webhook_endpoint_create,
        name="webhook_endpoint_create",
    ),
    path(
        "integrations/endpoints/<int:pk>/toggle/",
        integrations.webhook_endpoint_toggle,
        name="webhook_endpoint_toggle",
    ),
    path(
        "integrations/deliveries/<int:pk>/replay/",
        integrations.webhook_delivery_replay,
        name="webhook_delivery_replay",
    ),
    # Search across every article, and its exports.
    path("search/", search.search, name="search"),
    path("search/export.csv", search.search_export_csv, name="search_export_csv"),
    path("search/export.jsonl", search.search_export_jsonl, name="search_export_jsonl"),
    path("search/speakers/", search.search_speaker_options, name="search_speaker_options"),
    path("search/families/<int:pk>/", search.search_family, name="search_family"),
]
