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

"""JSON schemas of /v1/clouds."""

from pumphouse.api.schemas import common

_STR = {'type': 'string', 'minLength': 1, 'maxLength': 255}
_INTERFACE = {'type': 'string', 'enum': ['public', 'internal', 'admin']}

_AUTH_FIELDS = (
    'auth_url', 'username', 'user_id', 'user_domain_name', 'user_domain_id',
    'project_name', 'project_id', 'project_domain_name', 'project_domain_id',
    'domain_name', 'domain_id', 'application_credential_id',
    'application_credential_name',
)

auth = {
    'type': 'object',
    'properties': {
        **{f: _STR for f in _AUTH_FIELDS},
        'auth_url': {'type': 'string', 'minLength': 1, 'maxLength': 2048,
                     'pattern': '^https?://'},
        'password': {'type': 'string', 'minLength': 1, 'maxLength': 4096},
        'application_credential_secret': {'type': 'string', 'minLength': 1,
                                          'maxLength': 4096},
    },
    'required': ['auth_url'],
    'additionalProperties': False,
}

_CONNECTION = {
    'region_name': _STR,
    'interface': _INTERFACE,
    'verify': {'type': 'boolean'},
    'cacert': {'type': 'string', 'minLength': 1, 'maxLength': 4096},
}

create_request = {
    'type': 'object',
    'properties': {
        'name': common.LOOKUP_NAME,
        'description': {'type': 'string', 'maxLength': 4096},
        'cloud': _STR,
        'auth_type': {'type': 'string',
                      'enum': ['password', 'v3applicationcredential']},
        'auth': auth,
        **_CONNECTION,
    },
    'required': ['name'],
    'additionalProperties': False,
    'examples': [
        {'name': 'old-cloud', 'cloud': 'old-cloud'},
        {'name': 'new-cloud', 'description': 'where the workloads go',
         'auth_type': 'password',
         'auth': {'auth_url': 'https://keystone.example.org:5000/v3',
                  'username': 'admin', 'password': 'secret',
                  'user_domain_name': 'Default', 'project_name': 'admin',
                  'project_domain_name': 'Default'},
         'region_name': 'RegionOne', 'interface': 'public'},
    ],
}

list_query = common.list_query(['id', 'name', 'created_at',
                                 'updated_at'])

_PUBLIC_AUTH = {
    'type': 'object',
    'properties': {f: {'type': 'string'} for f in _AUTH_FIELDS},
    'additionalProperties': False,
}

cloud = {
    'type': 'object',
    'properties': {
        'uuid': common.UUID,
        'name': {'type': 'string'},
        'description': {'type': ['string', 'null']},
        'cloud': {'type': 'string'},
        'auth_type': {'type': 'string'},
        'auth': _PUBLIC_AUTH,
        **_CONNECTION,
        'created_at': common.TIMESTAMP,
        'updated_at': common.TIMESTAMP,
        'links': common.LINKS,
    },
    'required': ['uuid', 'name', 'description', 'created_at',
                 'updated_at', 'links'],
    'additionalProperties': False,
}

cloud_list = common.paged_list('clouds', cloud)

_VERSION = {
    'type': 'object',
    'properties': {
        'version': {'type': ['string', 'null']},
        'status': {'type': ['string', 'null']},
        'url': {'type': ['string', 'null']},
        'min_microversion': {'type': ['string', 'null']},
        'max_microversion': {'type': ['string', 'null']},
    },
    'additionalProperties': False,
}

validation_result = {
    'type': 'object',
    'properties': {
        'valid': {'type': 'boolean'},
        'reason': {'type': ['string', 'null'],
                   'enum': [None, 'configuration', 'authentication_failed',
                            'forbidden', 'tls', 'unreachable', 'error']},
        'message': {'type': ['string', 'null']},
        'conductor': {'type': 'string'},
        'services': {
            'type': 'array',
            'items': {
                'type': 'object',
                'properties': {
                    'type': {'type': 'string'},
                    'name': {'type': ['string', 'null']},
                    'region': {'type': ['string', 'null']},
                    'url': {'type': ['string', 'null']},
                    'versions': {'type': 'array', 'items': _VERSION},
                    'error': {'type': ['string', 'null']},
                },
                'required': ['type', 'url', 'versions', 'error'],
                'additionalProperties': False,
            },
        },
    },
    'required': ['valid', 'reason', 'message', 'conductor', 'services'],
    'additionalProperties': False,
}
