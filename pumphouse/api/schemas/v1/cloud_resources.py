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

"""JSON schemas of a cloud's resources (``/v1/clouds/{cloud}/resources``,
the web UI's source browser)."""

#: What ``?type=`` may ask for (the conductor's
#: :data:`pumphouse.conductor.cloud_overview.TYPES`, which a unit test
#: compares: the API process must not import the conductor's cloud code).
TYPES = ('projects', 'hosts')

resources_query = {
    'type': 'object',
    'properties': {'type': {'type': 'string',
                            'enum': list(TYPES)}},
    'required': ['type'],
    'additionalProperties': False,
}

_NULLABLE_STR = {'type': ['string', 'null']}
_COUNT = {'type': 'integer', 'minimum': 0}

project = {
    'type': 'object',
    'properties': {
        'id': {'type': 'string'},
        'name': _NULLABLE_STR,
        'domain_id': _NULLABLE_STR,
        'parent_id': _NULLABLE_STR,
        'enabled': {'type': 'boolean'},
        'description': {'type': 'string'},
        'servers': _COUNT,
        'volumes': _COUNT,
        'images': _COUNT,
        'networks': _COUNT,
        'bytes': _COUNT,
    },
    'required': ['id', 'name', 'servers', 'volumes', 'images', 'networks',
                 'bytes'],
    'additionalProperties': False,
}

host = {
    'type': 'object',
    'properties': {
        'name': {'type': 'string'},
        'service_status': _NULLABLE_STR,
        'service_state': _NULLABLE_STR,
        'disabled_reason': _NULLABLE_STR,
        'servers': _COUNT,
        'hypervisors': {'type': 'array', 'items': {'type': 'string'}},
        'uuid': _NULLABLE_STR,
        'state': _NULLABLE_STR,
    },
    'required': ['name', 'service_status', 'service_state', 'servers',
                 'uuid', 'state'],
    'additionalProperties': False,
}

resources = {
    'type': 'object',
    'properties': {
        'type': {'type': 'string', 'enum': list(TYPES)},
        'projects': {'type': 'array', 'items': project},
        'hosts': {'type': 'array', 'items': host},
    },
    'required': ['type'],
    'additionalProperties': False,
}
