import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from annotations.models import Article, Quote, Speaker, SpeakerAlias, SpeakerRole
from annotations.selectors.speakers import article_day, speaker_role_on


def _snapshot():
    return (
        sorted(Article.objects.values_list("url", "title", "body_hash", "revision")),
        sorted(Speaker.objects.values_list("name", "kind", "title", "organisation")),
        sorted(SpeakerAlias.objects.values_list("speaker__name", "normalized")),
        sorted(SpeakerRole.objects.values_list("speaker__name", "title", "start_date")),
        sorted(get_user_model().objects.values_list("username", "is_staff")),
        Quote.objects.count(),
    )


@pytest.mark.django_db
def test_load_demo_twice_gives_same_rows(capsys, settings):
    settings.DEBUG = True  # pytest-django turns DEBUG off; demo accounts need it on
    call_command("load_demo")
    first = _snapshot()
    call_command("load_demo")
    assert _snapshot() == first
    out = capsys.readouterr().out
    assert "editor / newsdesk-editor" in out


@pytest.mark.django_db
def test_load_demo_has_article_and_registry(settings):
    settings.DEBUG = True
    call_command("load_demo")
    article = Article.objects.get()
    assert article.title.startswith("NATO chief announces")
    assert "heightened alert" in article.body
    names = set(Speaker.objects.values_list("name", flat=True))
    assert {
        "Jens Stoltenberg",
        "Joe Biden",
        "Jen Psaki",
        "John Kirby",
        "Antony Blinken",
        "Volodymyr Zelensky",
        "Vladimir Putin",
        "White House",
        "NATO",
        "US State Department",
    } <= names
    assert SpeakerAlias.objects.filter(
        speaker__name="Jens Stoltenberg", normalized="nato secretary general jens stoltenberg"
    ).exists()
    editor = get_user_model().objects.get(username="editor")
    assert editor.groups.filter(name="editor").exists()
    assert editor.check_password("newsdesk-editor")


@pytest.mark.django_db
def test_load_demo_refuses_demo_users_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(Exception, match="Refusing"):
        call_command("load_demo")
    assert not get_user_model().objects.exists()


@pytest.mark.django_db
def test_load_demo_gives_the_seed_speakers_sourced_roles(settings):
    settings.DEBUG = True
    call_command("load_demo")
    for name in ("Jens Stoltenberg", "Joe Biden", "Jen Psaki", "John Kirby", "Antony Blinken"):
        roles = SpeakerRole.objects.filter(speaker__name=name)
        assert roles.exists(), name
        assert all(role.source_url.startswith("https://") for role in roles), name
    day = article_day(Article.objects.get().published_at)
    assert day == dt.date(2022, 1, 25)
    expected = {
        "Jens Stoltenberg": "NATO Secretary General",
        "Joe Biden": "President of the United States",
        "Jen Psaki": "White House press secretary",
        "John Kirby": "Pentagon press secretary",
        "Antony Blinken": "Secretary of State",
    }
    for name, title in expected.items():
        speaker = Speaker.objects.get(name=name)
        assert speaker_role_on(speaker=speaker, day=day).title == title
    # Psaki's earlier offices are on record too, and do not leak into 2022.
    psaki = Speaker.objects.get(name="Jen Psaki")
    assert speaker_role_on(speaker=psaki, day=dt.date(2014, 1, 1)).title.startswith("Spokesperson")
    assert speaker_role_on(speaker=psaki, day=dt.date(2022, 5, 14)) is None
