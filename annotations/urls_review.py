"""URL patterns of the review area; included into annotations/urls.py (namespace "annotations")."""

from django.urls import URLPattern, URLResolver, path

from annotations.views import review

urlpatterns: list[URLPattern | URLResolver] = [
    path("articles/<int:pk>/", review.article_detail, name="article_detail"),
    path(
        "articles/<int:pk>/prehighlight/",
        review.article_prehighlight_status,
        name="article_prehighlight_status",
    ),
    path("articles/<int:pk>/quotes/add/", review.quote_add, name="quote_add"),
    path("quotes/<int:pk>/", review.quote_row, name="quote_row"),
    path("quotes/<int:pk>/review/", review.quote_review, name="quote_review"),
    path("quotes/<int:pk>/undo/", review.quote_undo, name="quote_undo"),
    path("quotes/<int:pk>/speaker/", review.quote_speaker, name="quote_speaker"),
    path("quotes/<int:pk>/span/", review.quote_span, name="quote_span"),
    path("quotes/<int:pk>/history/", review.quote_history, name="quote_history"),
    path("speakers/search/", review.speaker_search, name="speaker_search"),
]
