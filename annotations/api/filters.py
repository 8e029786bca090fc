"""Query filters of the list endpoints; invalid values are 400s with field errors."""

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from annotations.models import Article, Quote, Review, Speaker


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    """ISO 8601 with any offset Python accepts; PostgreSQL only takes offsets up to ±15:59."""

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return super().filter(qs, value)


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """An object id: a whole number (NumberFilter takes 25.0 and 25.5, and is typed `number`)."""

    field_class = forms.IntegerField


class ArticleFilter(django_filters.FilterSet):
    outlet = django_filters.CharFilter(field_name="outlet", lookup_expr="iexact")
    published_from = UtcDateTimeFilter(
        field_name="published_at", lookup_expr="gte", label="Published at or after (ISO 8601)."
    )
    published_to = UtcDateTimeFilter(
        field_name="published_at", lookup_expr="lt", label="Published before (ISO 8601)."
    )
    prehighlight_status = django_filters.ChoiceFilter(choices=Article.PrehighlightStatus.choices)
    updated_since = UtcDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", label="Changed at or after (ISO 8601)."
    )

    class Meta:
        model = Article
        fields = [
            "outlet",
            "published_from",
            "published_to",
            "prehighlight_status",
            "updated_since",
        ]


class ReviewFilter(django_filters.FilterSet):
    quote = IdFilter(field_name="quote_id", min_value=1)
    to_status = django_filters.ChoiceFilter(choices=Quote.Status.choices)
    since = UtcDateTimeFilter(field_name="created_at", lookup_expr="gte")

    class Meta:
        model = Review
        fields = ["quote", "to_status", "since"]


class SpeakerFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(field_name="name", lookup_expr="icontains")
    kind = django_filters.ChoiceFilter(choices=Speaker.Kind.choices)

    class Meta:
        model = Speaker
        fields = ["name", "kind"]
