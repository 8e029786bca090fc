import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from annotations.models import Article, Quote, Review, Speaker, SpeakerAlias

BODY = (
    "The minister spoke at length.\n\n"
    "“We will not raise taxes this year,” the finance minister, Ana Reyes, said on Monday.\n\n"
    "Critics called the plan “a fantasy” and said it would not survive the budget."
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct-horse-battery")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            # get_or_create: a transactional test's flush may have removed the migration's groups.
            self.groups.add(Group.objects.get_or_create(name=extracted)[0])


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    title = factory.Sequence(lambda n: f"Article {n}")
    body = BODY
    url = factory.Sequence(lambda n: f"https://news.example.org/a/{n}")
    outlet = "Example Times"


class SpeakerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Speaker
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Speaker {n}")
    kind = Speaker.Kind.PERSON


class SpeakerAliasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SpeakerAlias

    speaker = factory.SubFactory(SpeakerFactory)
    alias = factory.LazyAttribute(lambda o: o.speaker.name)


class QuoteFactory(factory.django.DjangoModelFactory):
    """A quote over the first “...” span of the article body by default."""

    class Meta:
        model = Quote

    article = factory.SubFactory(ArticleFactory)
    start = factory.LazyAttribute(lambda o: o.article.body.index("“") + 1)
    end = factory.LazyAttribute(lambda o: o.article.body.index("”", o.start))
    text = factory.LazyAttribute(lambda o: o.article.body[o.start : o.end])
    prefix = factory.LazyAttribute(lambda o: o.article.body[max(0, o.start - 32) : o.start])
    suffix = factory.LazyAttribute(lambda o: o.article.body[o.end : o.end + 32])
    speaker = factory.SubFactory(SpeakerFactory)
    origin = Quote.Origin.MACHINE
    confidence = 0.9
    # A disputed quote must carry a reason (a database constraint); tests that care pass one.
    dispute_reason = factory.LazyAttribute(
        lambda o: (
            Quote.DisputeReason.CANNOT_CONFIRM
            if getattr(o, "status", Quote.Status.CANDIDATE) == Quote.Status.DISPUTED
            else ""
        )
    )


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    quote = factory.SubFactory(QuoteFactory)
    reviewer = factory.SubFactory(UserFactory)
    from_status = Quote.Status.CANDIDATE
    to_status = Quote.Status.VERIFIED
    quote_version = 2
