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

"""JSON schemas of the web UI's session (``/ui/session``)."""

_STR = {'type': 'string', 'minLength': 1, 'maxLength': 255}
_SCOPE = {
    'project_name': _STR,
    'project_id': _STR,
    'project_domain_name': _STR,
    'project_domain_id': _STR,
}

_PASSWORD_PROPERTIES = {
    'method': {'type': 'string', 'enum': ['password']},
    'username': _STR,
    'password': {'type': 'string', 'minLength': 1, 'maxLength': 4096},
    'user_domain_name': _STR,
    'user_domain_id': _STR,
    **_SCOPE,
}

#: Signing in with a user name and password.
password_request = {
    'type': 'object',
    'properties': _PASSWORD_PROPERTIES,
    'required': ['method', 'username', 'password'],
    'additionalProperties': False,
}

#: Signing in with a token (scoped again to the project given).
token_request = {
    'type': 'object',
    'properties': {
        'method': {'type': 'string', 'enum': ['token']},
        'token': {'type': 'string', 'minLength': 1, 'maxLength': 8192},
        **_SCOPE,
    },
    'required': ['method', 'token'],
    'additionalProperties': False,
}

#: Signing in: a user name and password, or a token.
session_request = {
    'oneOf': [password_request, token_request],
    'examples': [{'method': 'password', 'username': 'demo',
                  'password': 'secret', 'user_domain_name': 'Default',
                  'project_name': 'demo',
                  'project_domain_name': 'Default'}],
}

_NAMED = {
    'type': 'object',
    'properties': {'id': {'type': ['string', 'null']},
                   'name': {'type': ['string', 'null']},
                   'domain_id': {'type': ['string', 'null']}},
}

#: A Keystone token for the UI to send as X-Auth-Token.
session = {
    'type': 'object',
    'properties': {
        'token': {'type': 'string'},
        'expires_at': {'type': ['string', 'null']},
        'user': _NAMED,
        'project': _NAMED,
        'roles': {'type': 'array', 'items': {'type': 'string'}},
    },
    'required': ['token', 'expires_at', 'user', 'project', 'roles'],
    'additionalProperties': False,
}

#: How the UI signs in.
session_info = {
    'type': 'object',
    'properties': {
        'auth_strategy': {'type': 'string', 'enum': ['keystone', 'noauth']},
        'api_version': {'type': 'string'},
    },
    'required': ['auth_strategy', 'api_version'],
    'additionalProperties': False,
}
