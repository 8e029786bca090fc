"""Permission-scoped reads. Every id that comes from a URL or a request body is resolved here.

    articles      one article, for whoever may read it
    quotes        one quote, for whoever may read it
    review        the review desk: the queue, an article's quotes and counts, history, speakers
    search        full-text search and its exports
    prehighlight  speaker names the extractor proposed that the registry lacks
    api           the REST API's list querysets
    changes       the change feed, in commit order
    families      one quote family with its members

Each read takes the user and checks the role through annotations.roles first.
"""
