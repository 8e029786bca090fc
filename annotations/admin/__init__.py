"""The Django admin of Newsdesk, one module per area.

    content  articles, speakers, quotes and the (read-only) review history
    api      API keys, webhook endpoints and their delivery log

Both register their pages with Django's admin site when this package is imported (Django's
admin autodiscovery imports it). Admin pages are views like any other: they read through the
models and write only through `annotations.services`, never the other way round.
"""

from annotations.admin import api, content

__all__ = ["api", "content"]
