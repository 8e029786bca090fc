import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from annotations import roles
from annotations.models import Article
from annotations.services.articles import article_create
from annotations.services.speakers import speaker_role_ensure, speaker_upsert

DEMO_DIR = Path(__file__).resolve().parent.parent / "demo"

# Demo accounts for local use only; `load_demo` refuses to create them when DEBUG is off
# unless explicitly asked to.
DEMO_USERS = (
    ("editor", "newsdesk-editor", roles.EDITOR, False),
    ("reporter", "newsdesk-reporter", roles.REPORTER, False),
    ("admin", "newsdesk-admin", roles.ADMIN, True),
)


@dataclass(frozen=True)
class DemoResult:
    speakers: int
    articles_created: int
    articles_existing: int
    users_created: int


def _demo_article_records() -> list[dict[str, str]]:
    records: list[dict[str, str]] = json.loads((DEMO_DIR / "articles.json").read_text("utf-8"))
    return records


@transaction.atomic
def demo_load(*, with_users: bool = True) -> DemoResult:
    speakers = json.loads((DEMO_DIR / "speakers.json").read_text("utf-8"))
    for record in speakers:
        speaker = speaker_upsert(
            name=record["name"],
            kind=record["kind"],
            title=record.get("title", ""),
            organisation=record.get("organisation", ""),
            aliases=record.get("aliases", []),
        )
        # Each role's dates come from its source_url (and its note); see docs/speakers.md.
        for role in record.get("roles", []):
            end = role.get("end_date")
            speaker_role_ensure(
                speaker=speaker,
                title=role["title"],
                organisation=role.get("organisation", ""),
                start_date=dt.date.fromisoformat(role["start_date"]),
                end_date=dt.date.fromisoformat(end) if end else None,
                source_url=role.get("source_url", ""),
            )

    created = existing = 0
    for record in _demo_article_records():
        text = (DEMO_DIR / record["file"]).read_text("utf-8")
        title, _, body = text.partition("\n")
        if Article.objects.filter(url=record["url"]).exists():
            existing += 1
            continue
        article_create(
            title=title.strip(),
            body=body.strip("\n"),
            url=record["url"],
            outlet=record.get("outlet", ""),
            byline=record.get("byline", ""),
            published_at=dt.datetime.fromisoformat(record["published_at"]),
            language=record.get("language", "en"),
        )
        created += 1

    users_created = 0
    if with_users:
        user_model = get_user_model()
        for username, password, role, is_staff in DEMO_USERS:
            user, was_created = user_model.objects.get_or_create(
                username=username, defaults={"is_staff": is_staff, "is_superuser": is_staff}
            )
            if was_created:
                user.set_password(password)
                user.save(update_fields=["password"])
                users_created += 1
            user.groups.add(Group.objects.get_or_create(name=role)[0])
    return DemoResult(
        speakers=len(speakers),
        articles_created=created,
        articles_existing=existing,
        users_created=users_created,
    )
