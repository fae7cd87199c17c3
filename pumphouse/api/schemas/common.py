# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""Pieces shared by the JSON schemas of several resources.

Patterns end with ``\\Z``, not ``$``: jsonschema matches them with
Python's ``re.search``, whose ``$`` also matches before a trailing newline.
"""

#: Control characters (C0, DEL, C1) and the Unicode line and paragraph
#: separators: in a name or a word they would start a new log line.
CONTROL = r'\x00-\x1f\x7f-\x9f\u2028\u2029'
#: What a name cannot hold besides: it goes into URL paths.
_NOT_IN_NAMES = rf'/?#%{CONTROL}'

UUID = {'type': 'string', 'format': 'uuid',
        'pattern': r'^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\Z'}

#: The name of a migration: it is shown in lists and log lines.
NAME = {
    'type': 'string', 'minLength': 1, 'maxLength': 255,
    'pattern': (rf'^(?!\.\.?\Z)[^\s{_NOT_IN_NAMES}]'
                rf'([^{_NOT_IN_NAMES}]*[^\s{_NOT_IN_NAMES}])?\Z'),
    'description': 'a name has 1 to 255 characters, none of / ? # % nor '
                   'a control character, no space at either end, and is '
                   'not "." or ".."',
}

#: The name of a cloud, also found in URLs where a UUID may be: it cannot
#: look like one (format checked by :mod:`.validator`).
LOOKUP_NAME = dict(
    NAME, format='pumphouse-name',
    description='a name has 1 to 255 characters, none of / ? # % nor a '
                'control character, no space at either end, is not "." '
                'or ".." and does not look like a UUID')

#: A host name as nova-compute reports it: no space at all.
HOST_NAME = {
    'type': 'string', 'minLength': 1, 'maxLength': 255,
    'format': 'pumphouse-name',
    'pattern': rf'^(?!\.\.?\Z)[^\s{_NOT_IN_NAMES}]+\Z',
    'description': 'a host name has 1 to 255 characters, none of / ? # % '
                   'nor a space or a control character, is not "." or '
                   '".." and does not look like a UUID',
}

#: One word (a suffix, a check's name): no space, no control character.
WORD = rf'^[^\s{CONTROL}]+\Z'

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

LIMIT = {'type': 'string', 'pattern': r'^[1-9][0-9]{0,9}\Z'}
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


#: Every error the API answers (see :mod:`pumphouse.api.errors`).
ERROR = {
    'type': 'object',
    'properties': {
        'error': {
            'type': 'object',
            'properties': {
                'code': {'type': 'integer', 'minimum': 400,
                         'maximum': 599},
                'title': {'type': 'string'},
                'message': {'type': 'string'},
            },
            'required': ['code', 'title', 'message'],
            'additionalProperties': False,
        },
    },
    'required': ['error'],
    'additionalProperties': False,
}
