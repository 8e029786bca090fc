"""Three invented articles from three outlets reporting one invented speech (issue 17).

The Harbour Herald quotes it whole, the Valley Post cuts it to a partial quote, and the
Coastal Times changes two words and credits it to another speaker.
"""

import datetime as dt

from django.utils import timezone

from annotations.models import Quote
from annotations.services.articles import article_create
from annotations.services.speakers import speaker_upsert
from tests.annotations.pipeline_support import prehighlight_one

SPEECH = (
    "We will rebuild every bridge the storm took from us, and we will do it before the first "
    "snow falls on the valley"
)
PART = "we will do it before the first snow falls on the valley"
ALTERED = (
    "We will rebuild every road the storm took from us, and we will do it before the first "
    "frost falls on the valley"
)

WHOLE_BODY = (
    "The minister visited the flooded towns on Tuesday.\n\n"
    f"“{SPEECH},” Mara Lindqvist said at the town hall.\n\n"
    "Residents applauded."
)
PART_BODY = (
    "Repairs are behind schedule, engineers warned.\n\n"
    f"Mara Lindqvist promised that “{PART}.”\n\n"
    "The council meets next week."
)
ALTERED_BODY = (
    "Opposition figures were sceptical of the plan.\n\n"
    f"“{ALTERED},” Tomas Berg said on Tuesday evening.\n\n"
    "The cost has not been published."
)


def create_speech_articles():
    """The three articles, pre-highlighted in order of publication; (whole, part, altered)."""
    speaker_upsert(name="Mara Lindqvist", kind="person", title="Minister", aliases=["Lindqvist"])
    speaker_upsert(name="Tomas Berg", kind="person", title="MP", aliases=["Berg"])
    day = timezone.make_aware(dt.datetime(2026, 3, 3, 9, 0))
    quotes = []
    for hours, (title, outlet, body, words) in enumerate(
        [
            (
                "Minister vows to rebuild",
                "Harbour Herald",
                WHOLE_BODY,
                "We will rebuild every bridge",
            ),
            ("Repairs lag behind", "Valley Post", PART_BODY, "we will do it"),
            ("Sceptics question plan", "Coastal Times", ALTERED_BODY, "We will rebuild every road"),
        ]
    ):
        article = article_create(
            title=title,
            outlet=outlet,
            body=body,
            url=f"https://{outlet.lower().replace(' ', '-')}.example/storm",
            published_at=day + dt.timedelta(hours=hours),
        )
        prehighlight_one(article_id=article.pk, revision=article.revision)
        quotes.append(Quote.objects.get(article=article, text__startswith=words))
    return tuple(quotes)


def quote_speech_in_outlets(numbers, *, verify_below=0, editor=None):
    """The whole speech quoted by "Outlet n", published on day n of April 2026, for each n of
    `numbers`; the copies of the outlets below `verify_below` verified by `editor`."""
    from annotations.services.reviews import quote_review_submit

    day = timezone.make_aware(dt.datetime(2026, 4, 1, 9, 0))
    quotes = []
    for n in numbers:
        article = article_create(
            title=f"Storm report {n}",
            outlet=f"Outlet {n}",
            body=WHOLE_BODY,
            url=f"https://outlet-{n}.example/storm",
            published_at=day + dt.timedelta(days=n),
        )
        prehighlight_one(article_id=article.pk, revision=article.revision)
        quote = Quote.objects.get(article=article)
        if n < verify_below:
            quote_review_submit(quote=quote, user=editor, to_status="verified", expected_version=1)
        quotes.append(quote)
    return quotes
