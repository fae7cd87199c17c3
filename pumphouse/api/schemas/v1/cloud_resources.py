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

#: ``GET /v1/clouds/{cloud}/projects/{project}/stacks`` (1.5): one
#: project's Heat stacks, as Heat lists them (the top-level ones).
stack = {
    'type': 'object',
    'properties': {
        'id': {'type': 'string'},
        'name': _NULLABLE_STR,
        'status': _NULLABLE_STR,
        'status_reason': _NULLABLE_STR,
        'description': {'type': 'string'},
        'created_at': _NULLABLE_STR,
        'updated_at': _NULLABLE_STR,
    },
    'required': ['id', 'name', 'status'],
    'additionalProperties': False,
}

project_stacks = {
    'type': 'object',
    'properties': {
        'project': {
            'type': 'object',
            'properties': {'id': {'type': 'string'},
                           'name': _NULLABLE_STR,
                           'domain_id': _NULLABLE_STR},
            'required': ['id', 'name'],
            'additionalProperties': False,
        },
        'stacks': {'type': 'array', 'items': stack},
    },
    'required': ['project', 'stacks'],
    'additionalProperties': False,
    'examples': [{
        'project': {'id': '9b1c5e0f6c3a4b7e8d2f1a0b3c4d5e6f',
                    'name': 'demo', 'domain_id': 'default'},
        'stacks': [{'id': '0f0d4e6c-2b8a-4c1e-9d3f-5a6b7c8d9e0f',
                    'name': 'web', 'status': 'CREATE_COMPLETE',
                    'status_reason': 'Stack CREATE completed successfully',
                    'description': 'The web tier',
                    'created_at': '2026-12-04T17:00:00Z',
                    'updated_at': None}],
    }],
}
