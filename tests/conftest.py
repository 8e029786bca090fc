import pytest

from tests.factories import ArticleFactory, QuoteFactory, UserFactory


@pytest.fixture
def editor(db):
    return UserFactory(username="alice", role="editor")


@pytest.fixture
def other_editor(db):
    return UserFactory(username="bob", role="editor")


@pytest.fixture
def reporter(db):
    return UserFactory(username="charlie", role="reporter")


@pytest.fixture
def outsider(db):
    """Logged in, but with no newsroom role."""
    return UserFactory(username="mallory")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def reporter_client(client, reporter):
    client.force_login(reporter)
    return client


@pytest.fixture
def article(db):
    return ArticleFactory()


@pytest.fixture
def quote(article):
    return QuoteFactory(article=article)
