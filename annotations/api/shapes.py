"""Wire shapes that serializer fields cannot express, written as JSON Schema (OpenAPI 3.1).

The change feed's events are a tagged union (the `type` says which `data` follows), and the
fact-check documents are JSON-LD with `@`-keys and fixed values. Each shape here is the schema of
a `DocumentedShape` serializer (annotations/api/serializers.py), registered as a component by
annotations/api/schema.py. tests/annotations/test_api_contract.py validates real responses
against them, so a change to the representation that is not made here too fails the suite.
"""

from typing import Any

from annotations.api.markup import DISPUTE_RATING_NAMES
from annotations.models import Quote

Schema = dict[str, Any]


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: Schema, *, optional: tuple[str, ...] = (), **extra: Any) -> Schema:
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        **extra,
    }


INTEGER: Schema = {"type": "integer"}
STRING: Schema = {"type": "string"}
URI: Schema = {"type": "string", "format": "uri"}
DATE_TIME: Schema = {"type": "string", "format": "date-time"}


def const(value: str | int) -> Schema:
    return {"type": "string" if isinstance(value, str) else "integer", "const": value}


# Enum components drf-spectacular names through ENUM_NAME_OVERRIDES (settings).
QUOTE_STATUS = ref("QuoteStatusEnum")
# Our own enums are components too: drf-spectacular would lift an inline enum out of a property
# under a name made from the property's (`@type` is not a valid component name).
ENUMS: dict[str, Schema] = {}


def enum(name: str, values: list[str] | list[int], description: str = "") -> Schema:
    ENUMS[name] = {
        "type": "string" if isinstance(values[0], str) else "integer",
        "enum": values,
        **({"description": description} if description else {}),
    }
    return ref(name)


# --- Change feed: one variant per kind of `data`, told apart by `type` ---

EVENT_TYPES = {
    # variant: (its `type` values, its `entity`, its `data` component)
    "ArticleChangeEvent": (
        ["article.created", "article.updated", "article.deleted"],
        "article",
        "ArticleEventData",
    ),
    "QuoteChangeEvent": (
        ["quote.created", "quote.updated", "quote.deleted"],
        "quote",
        "QuoteEventData",
    ),
    "QuoteStatusChangedEvent": (["quote.status_changed"], "quote", "QuoteStatusChangedEventData"),
    "ReviewChangeEvent": (["review.created"], "review", "ReviewEventData"),
    # Written by services/events.py (publish_family), not by a trigger: a quote family's flag
    # went up (docs/families.md).
    "FamilyChangeEvent": (
        ["family.conflict", "family.wording_differs", "family.speakers_differ"],
        "family",
        "FamilyEventData",
    ),
}

# What the database triggers copy into `data` (migration 0005_api, SNAPSHOT_COLUMNS);
# timestamps are PostgreSQL's JSON form of timestamptz.
_QUOTE_EVENT_DATA = {
    "article_id": INTEGER,
    "status": QUOTE_STATUS,
    "version": INTEGER,
    "anchor": ref("AnchorEnum"),
    "speaker_id": {"type": ["integer", "null"]},
    "updated_at": DATE_TIME,
}
EVENT_DATA = {
    "ArticleEventData": _object(
        {
            "revision": INTEGER,
            "url": {"type": ["string", "null"]},
            "title": STRING,
            "prehighlight_status": ref("PrehighlightStatusEnum"),
            "updated_at": DATE_TIME,
        },
        description="The article after the write (before it, for article.deleted).",
    ),
    "QuoteEventData": _object(
        _QUOTE_EVENT_DATA,
        description="The quote after the write (before it, for quote.deleted).",
    ),
    "QuoteStatusChangedEventData": _object(
        {**_QUOTE_EVENT_DATA, "previous_status": QUOTE_STATUS},
        description="The quote after a change of status, and the status it had before.",
    ),
    "ReviewEventData": _object(
        {
            "quote_id": INTEGER,
            "from_status": QUOTE_STATUS,
            "to_status": QUOTE_STATUS,
            "quote_version": INTEGER,
            "created_at": DATE_TIME,
        },
        description="A decision appended to the review history.",
    ),
    "FamilyEventData": _object(
        {
            "id": INTEGER,
            "size": {**INTEGER, "description": "Quotes in the family."},
            "first_quote": {
                "type": ["integer", "null"],
                "description": "The quote of the earliest published article.",
            },
            "first_published_at": {"type": ["string", "null"], "format": "date-time"},
            "wording_differs": {"type": "boolean", "description": "A misquote alarm."},
            "speakers_differ": {"type": "boolean", "description": "A misattribution alarm."},
            "conflict": {
                "type": "boolean",
                "description": "Verified in one article and disputed in another.",
            },
        },
        description="The quote family after the write that raised the flag the `type` names.",
    ),
}


def _event(name: str, types: list[str], entity: str, data: str) -> Schema:
    enum(f"{name}Type", types)
    return _object(
        {
            "id": {**INTEGER, "description": "Feed position; strictly increasing in commit order."},
            "type": ref(f"{name}Type"),
            "entity": const(entity),
            "object_id": INTEGER,
            "data": ref(data),
            "occurred_at": DATE_TIME,
        }
    )


CHANGE_EVENT: Schema = {
    "oneOf": [ref(name) for name in EVENT_TYPES],
    "discriminator": {
        "propertyName": "type",
        "mapping": {
            event_type: f"#/components/schemas/{name}"
            for name, (types, _entity, _data) in EVENT_TYPES.items()
            for event_type in types
        },
    },
    "description": "One committed write. Deletions are tombstones: the object is gone, the "
    "event stays.",
}
CHANGE_EVENT_TYPES = [event_type for types, _e, _d in EVENT_TYPES.values() for event_type in types]


# --- schema.org ClaimReview (https://schema.org/ClaimReview) ---

_ORGANIZATION = _object({"@type": const("Organization"), "name": STRING})
CLAIM_REVIEW = _object(
    {
        "@context": const("https://schema.org"),
        "@type": const("ClaimReview"),
        "url": {**URI, "description": "The quote in its article (…#quote-<id>)."},
        "claimReviewed": {
            **STRING,
            "description": "The quoted words, without the sentence's trailing comma or period.",
        },
        "datePublished": DATE_TIME,
        "author": ref("SchemaOrgOrganization"),
        "reviewBody": {**STRING, "description": "The editor's note, when there is one."},
        "reviewRating": ref("ClaimReviewRating"),
        "itemReviewed": ref("Claim"),
    },
    optional=("reviewBody",),
)
JSON_LD = {
    "SchemaOrgOrganization": _ORGANIZATION,
    "SchemaOrgAgent": _object(
        {
            "@type": enum("SchemaOrgAgentType", ["Person", "Organization"]),
            "name": STRING,
            "jobTitle": STRING,
            "affiliation": ref("SchemaOrgOrganization"),
        },
        optional=("jobTitle", "affiliation"),
        description="Who said it: the registry's speaker, or the name in the text.",
    ),
    "ClaimReviewRating": _object(
        {
            "@type": const("Rating"),
            "ratingValue": enum("ClaimReviewRatingValue", [1, 2], "2 Verified, 1 Disputed."),
            "bestRating": const(2),
            "worstRating": const(1),
            "alternateName": enum(
                "ClaimReviewRatingName",
                [Quote.Status.VERIFIED.label, *DISPUTE_RATING_NAMES.values()],
                "Verified, or why the quote is disputed (its dispute_reason).",
            ),
        },
        description="2 Verified, 1 Disputed (alternateName says why).",
    ),
    "NewsArticleAppearance": _object(
        {
            "@type": const("NewsArticle"),
            "url": URI,
            "headline": STRING,
            "datePublished": DATE_TIME,
            "publisher": ref("SchemaOrgOrganization"),
        },
        optional=("datePublished", "publisher"),
    ),
    "Claim": _object(
        {
            "@type": const("Claim"),
            "author": ref("SchemaOrgAgent"),
            "appearance": ref("NewsArticleAppearance"),
            # The article that published these words first, when other articles quote them
            # too (docs/families.md).
            "firstAppearance": ref("NewsArticleAppearance"),
            "datePublished": DATE_TIME,
        },
        optional=("datePublished", "firstAppearance"),
    ),
    "ClaimReview": CLAIM_REVIEW,
}


# --- W3C Web Annotation (https://www.w3.org/TR/annotation-model/) ---

WEB_ANNOTATION = {
    "AnnotationTextualBody": _object(
        {
            "type": const("TextualBody"),
            "purpose": enum("AnnotationBodyPurpose", ["assessing", "commenting"]),
            "value": {
                **STRING,
                "description": "assessing: the rating's alternateName; commenting: the note.",
            },
            "format": const("text/plain"),
        }
    ),
    "AnnotationLink": _object(
        {
            "type": const("SpecificResource"),
            "purpose": const("linking"),
            "source": {**URI, "description": "An evidence link of the decision."},
        }
    ),
    "TextQuoteSelector": _object(
        {"type": const("TextQuoteSelector"), "exact": STRING, "prefix": STRING, "suffix": STRING}
    ),
    "TextPositionSelector": _object(
        {"type": const("TextPositionSelector"), "start": INTEGER, "end": INTEGER}
    ),
    "AnnotationTarget": _object(
        {
            "source": URI,
            "selector": {
                "type": "array",
                "items": {"oneOf": [ref("TextQuoteSelector"), ref("TextPositionSelector")]},
            },
        }
    ),
    "WebAnnotation": _object(
        {
            "@context": const("http://www.w3.org/ns/anno.jsonld"),
            "id": URI,
            "type": const("Annotation"),
            "motivation": const("assessing"),
            "created": DATE_TIME,
            "modified": DATE_TIME,
            "creator": _object({"type": const("Organization"), "name": STRING}),
            "body": {
                "type": "array",
                "items": {"oneOf": [ref("AnnotationTextualBody"), ref("AnnotationLink")]},
                "description": "The verdict, the note if any, then one item per evidence link.",
            },
            "target": ref("AnnotationTarget"),
        }
    ),
}


COMPONENTS: dict[str, Schema] = {
    **{name: _event(name, *variant) for name, variant in EVENT_TYPES.items()},
    **EVENT_DATA,
    "ChangeEvent": CHANGE_EVENT,
    **JSON_LD,
    **WEB_ANNOTATION,
}
COMPONENTS.update(ENUMS)


def parts(name: str) -> dict[str, Schema]:
    """The components `name` refers to, directly or through others (not itself)."""
    found: dict[str, Schema] = {}
    pending = [COMPONENTS[name]]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            target = str(node.get("$ref", "")).removeprefix("#/components/schemas/")
            if target in COMPONENTS and target != name and target not in found:
                found[target] = COMPONENTS[target]
                pending.append(COMPONENTS[target])
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return found
