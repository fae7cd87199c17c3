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

"""JSON schemas of version discovery (``/`` and ``/v1``) and of the
OpenAPI document."""

from pumphouse.api.schemas import common

version = {
    'type': 'object',
    'properties': {
        'id': {'type': 'string'},
        'status': {'type': 'string',
                   'enum': ['CURRENT', 'SUPPORTED', 'DEPRECATED']},
        'min_version': {'type': 'string'},
        'version': {'type': 'string'},
        'links': common.LINKS,
    },
    'required': ['id', 'status', 'min_version', 'version', 'links'],
    'additionalProperties': False,
}

root = {
    'type': 'object',
    'properties': {
        'name': {'type': 'string'},
        'description': {'type': 'string'},
        'versions': {'type': 'array', 'items': version},
        'default_version': version,
    },
    'required': ['name', 'description', 'versions', 'default_version'],
    'additionalProperties': False,
}

#: The resources ``/v1`` links to.
V1_RESOURCES = ('clouds', 'migrations', 'mappings', 'hosts')

v1 = {
    'type': 'object',
    'properties': {
        **version['properties'],
        'media_types': {
            'type': 'array',
            'items': {
                'type': 'object',
                'properties': {'base': {'type': 'string'},
                               'type': {'type': 'string'}},
                'required': ['base', 'type'],
                'additionalProperties': False,
            },
        },
        **{resource: common.LINKS for resource in V1_RESOURCES},
    },
    'required': [*version['required'], 'media_types', *V1_RESOURCES],
    'additionalProperties': False,
}

openapi = {
    'type': 'object',
    'description': 'An OpenAPI 3.1 document.',
    'properties': {
        'openapi': {'type': 'string', 'pattern': r'^3\.1\.\d+\Z'},
        'info': {'type': 'object'},
        'paths': {'type': 'object'},
        'components': {'type': 'object'},
    },
    'required': ['openapi', 'info', 'paths'],
}
