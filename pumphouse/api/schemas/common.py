"""Pieces shared by the JSON schemas of several resources."""

UUID = {'type': 'string', 'format': 'uuid',
        'pattern': '^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$'}

TIMESTAMP = {'type': ['string', 'null']}

LINKS = {
    'type': 'array',
    'items': {
        'type': 'object',
        'properties': {'href': {'type': 'string'},
                       'rel': {'type': 'string'}},
        'required': ['href', 'rel'],
        'additionalProperties': False,
    },
}

LIMIT = {'type': 'string', 'pattern': '^[1-9][0-9]{0,9}$'}
SORT_DIR = {'type': 'string', 'enum': ['asc', 'desc']}


def paged_list(collection: str, item: dict) -> dict:
    """A page of a collection: ``{collection: [...], "next": url}``."""
    return {
        'type': 'object',
        'properties': {
            collection: {'type': 'array', 'items': item},
            'next': {'type': 'string'},
        },
        'required': [collection],
        'additionalProperties': False,
    }


def list_query(sort_keys: list[str], **filters) -> dict:
    """Query parameters of a sorted, paged list, plus ``filters``."""
    return {
        'type': 'object',
        'properties': {
            'limit': LIMIT,
            'marker': {'type': 'string', 'minLength': 1, 'maxLength': 255},
            'sort_key': {'type': 'string', 'enum': sort_keys},
            'sort_dir': SORT_DIR,
            **filters,
        },
        'additionalProperties': False,
    }
