"""Pages of list responses: the limit asked for and the next page's URL."""

from urllib import parse

from pumphouse.api import method
from pumphouse.conf import CONF


def limit(params: dict) -> int:
    """The page size asked for, capped by ``[api] max_limit``."""
    return min(int(params.get('limit', CONF.api.max_limit)),
               CONF.api.max_limit)


def next_link(path: str, params: dict, **page) -> str:
    """The URL of the next page: the same query with ``page`` changed."""
    query = dict(params, **{k: str(v) for k, v in page.items()})
    return method.link('v1', path) + '?' + parse.urlencode(
        sorted(query.items()))
