import pytest
from django.urls import reverse

from annotations.models import Article, Quote, Review, WebhookEndpoint
from annotations.services.demo import demo_load
from tests.factories import ReviewFactory, UserFactory


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.mark.django_db
def test_admin_lists_demo_article_and_speakers(admin_client):
    demo_load(with_users=False)
    articles = admin_client.get(reverse("admin:annotations_article_changelist"))
    speakers = admin_client.get(reverse("admin:annotations_speaker_changelist") + "?q=NATO+chief")
    assert articles.status_code == 200
    assert "NATO chief announces alliance" in articles.content.decode()
    assert speakers.status_code == 200
    assert "Jens Stoltenberg" in speakers.content.decode()


@pytest.mark.django_db
def test_admin_article_add_goes_through_services(admin_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(
            reverse("admin:annotations_article_add"),
            {
                "title": "Added in admin",
                "body": "“Hello,” she said.",
                "url": "",
                "outlet": "Desk",
                "byline": "",
                "language": "en",
                "quotes-TOTAL_FORMS": "0",
                "quotes-INITIAL_FORMS": "0",
            },
        )
    assert response.status_code == 302
    article = Article.objects.get(title="Added in admin")
    assert article.prehighlight_status == "queued"
    assert article.created_by.username == "root"
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_admin_article_body_edit_bumps_revision(admin_client, quote):
    article = quote.article
    response = admin_client.post(
        reverse("admin:annotations_article_change", args=[article.pk]),
        {
            "title": article.title,
            "body": "New lead.\n\n" + article.body,
            "url": article.url,
            "outlet": article.outlet,
            "byline": "",
            "language": "en",
            "quotes-TOTAL_FORMS": "1",
            "quotes-INITIAL_FORMS": "1",
            "quotes-0-id": str(quote.pk),
            "quotes-0-article": str(article.pk),
        },
    )
    assert response.status_code == 302
    article.refresh_from_db()
    quote.refresh_from_db()
    assert article.revision == 2
    assert article.body[quote.start : quote.end] == quote.text


@pytest.mark.django_db
def test_admin_article_refuses_javascript_url(admin_client):
    response = admin_client.post(
        reverse("admin:annotations_article_add"),
        {
            "title": "Bad",
            "body": "Body.",
            "url": "javascript:alert(1)",
            "outlet": "",
            "byline": "",
            "language": "en",
            "quotes-TOTAL_FORMS": "0",
            "quotes-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "Enter a valid URL." in response.content.decode()
    assert not Article.objects.filter(title="Bad").exists()


@pytest.mark.django_db
def test_admin_links_typed_without_a_scheme_are_https(admin_client):
    response = admin_client.post(
        reverse("admin:annotations_article_add"),
        {
            "title": "Schemeless",
            "body": "Body.",
            "url": "example.org/2024/story",
            "outlet": "",
            "byline": "",
            "language": "en",
            "quotes-TOTAL_FORMS": "0",
            "quotes-INITIAL_FORMS": "0",
        },
    )
    endpoint = admin_client.post(
        reverse("admin:annotations_webhookendpoint_add"),
        {"url": "cms.example.org/hooks", "description": "CMS", "events": ["quote.verified"]},
    )
    assert response.status_code == 302
    assert endpoint.status_code == 302
    assert Article.objects.get(title="Schemeless").url == "https://example.org/2024/story"
    assert WebhookEndpoint.objects.get(description="CMS").url == "https://cms.example.org/hooks"


@pytest.mark.django_db
def test_admin_review_history_is_read_only(admin_client):
    review = ReviewFactory()
    change = admin_client.get(reverse("admin:annotations_review_change", args=[review.pk]))
    delete = admin_client.post(
        reverse("admin:annotations_review_delete", args=[review.pk]), {"post": "yes"}
    )
    quote_page = admin_client.get(reverse("admin:annotations_quote_change", args=[review.quote_id]))
    assert change.status_code == 200  # viewable
    assert 'name="_save"' not in change.content.decode()
    assert delete.status_code == 403
    assert Review.objects.filter(pk=review.pk).exists()
    assert quote_page.status_code == 200
    assert Quote.objects.get(pk=review.quote_id).reviews.count() == 1
