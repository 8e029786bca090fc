"""The desk's pages (function views rendering templates and htmx partials).

    core     the review queue and the health check
    review   an article under review: quotes, decisions, speakers, spans, history
    review_rows  what the review templates read: frozen quote rows and the action panel
    search   search across articles, and its CSV / JSONL exports
    speakers the speaker page: roles over time, quotes and verdicts, aliases
    speaker_merge  merging two registry entries that are the same speaker

Views parse input, call one selector or service, and render; annotations/urls.py maps them.
"""
