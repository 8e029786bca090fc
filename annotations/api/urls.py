from django.urls import URLPattern, URLResolver, path, re_path
from drf_spectacular.views import SpectacularSwaggerSplitView

from annotations.api import views
from annotations.api.schema import SchemaView

app_name = "api"

urlpatterns: list[URLPattern | URLResolver] = [
    path("v1/ping/", views.PingView.as_view(), name="ping"),
    path("v1/articles/", views.ArticleListCreateView.as_view(), name="article-list"),
    path("v1/articles/<int:pk>/", views.ArticleDetailView.as_view(), name="article-detail"),
    path(
        "v1/articles/<int:pk>/prehighlight/",
        views.ArticlePrehighlightView.as_view(),
        name="article-prehighlight",
    ),
    path("v1/quotes/", views.QuoteListView.as_view(), name="quote-list"),
    path("v1/quotes/<int:pk>/", views.QuoteDetailView.as_view(), name="quote-detail"),
    path("v1/quotes/<int:pk>/review/", views.QuoteReviewView.as_view(), name="quote-review"),
    path(
        "v1/quotes/<int:pk>/claimreview/",
        views.QuoteClaimReviewView.as_view(),
        name="quote-claimreview",
    ),
    path(
        "v1/quotes/<int:pk>/annotation/",
        views.QuoteAnnotationView.as_view(),
        name="quote-annotation",
    ),
    path("v1/families/<int:pk>/", views.FamilyDetailView.as_view(), name="family-detail"),
    path("v1/speakers/", views.SpeakerListCreateView.as_view(), name="speaker-list"),
    path("v1/speakers/<int:pk>/", views.SpeakerDetailView.as_view(), name="speaker-detail"),
    path("v1/reviews/", views.ReviewListView.as_view(), name="review-list"),
    path("v1/reviews/<int:pk>/", views.ReviewDetailView.as_view(), name="review-detail"),
    path("v1/changes/", views.ChangeFeedView.as_view(), name="changes"),
    path("schema/", SchemaView.as_view(), name="schema"),
    # The split view serves Swagger UI's init script from a URL instead of inline, and our
    # template drops the inline <style>: both would be blocked by the Content-Security-Policy.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="api/swagger_ui.html"
        ),
        name="docs",
    ),
    # Anything else under /api/ (including ids that are not positive integers) is a JSON 404
    # in the API's error shape, never the HTML page.
    re_path(r"^.*$", views.api_not_found, name="not-found"),
]
