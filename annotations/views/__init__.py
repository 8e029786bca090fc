"""The desk's pages (function views rendering templates and htmx partials).

    core     the review queue and the health check
    review   an article under review: quotes, decisions, speakers, spans, history
    search   search across articles, and its CSV / JSONL exports

Views parse input, call one selector or service, and render; annotations/urls.py maps them.
"""
