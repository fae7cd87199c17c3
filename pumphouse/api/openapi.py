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

"""The OpenAPI 3.1 document of the API (``GET /v1/openapi.json``).

Made from the routes (:func:`.routing.operations`) and what each declares
(:mod:`.contract`): the schemas in the document are the ones requests
and responses are checked against, with one translation for OpenAPI
readers: patterns end with ``$`` where the schemas say ``\\Z`` (the same
in ECMA-262 regular expressions, which OpenAPI uses). The format
``pumphouse-name`` (a name that cannot be taken for a UUID) stays: tools
ignore a format they do not know, and the schema's description says
what it is.
"""

import copy
import functools
import http
import re

from pumphouse.api import app
from pumphouse.api import contract
from pumphouse.api import openapi_components as components
from pumphouse.api import routing
from pumphouse.api import ui
from pumphouse.api import versions

OPENAPI_VERSION = '3.1.0'

DESCRIPTION = f"""\
Pumphouse moves workloads (projects, users, networks, servers, volumes)
and whole hypervisor hosts from a source OpenStack cloud to a destination
cloud.

Microversions: the `{versions.HEADER}` header (`{versions.SERVICE_TYPE}
X.Y` or `{versions.SERVICE_TYPE} latest`) picks one from
{versions.format_version(versions.MIN_VERSION)} to
{versions.format_version(versions.MAX_VERSION)}; without it, the oldest.
An operation added by a later microversion (`x-openstack.min-ver`) is 404
in older ones. HEAD is answered wherever GET is. Every error has the body
`{{"error": {{"code", "title", "message"}}}}`.

Version discovery (`/`, `/v1`), this document and `/healthcheck` need no
authentication.
"""

_SUCCESS = {200: 'OK.', 201: 'Created.',
            202: 'Accepted: a conductor does the work; follow the state.',
            204: 'Done; no body.'}
_ERRORS = {
    400: 'the request is malformed or not valid for its schema.',
    401: 'no valid token (X-Auth-Token).',
    403: 'the policy does not allow it.',
    404: 'not found (or not in the microversion asked for).',
    406: f'the {versions.HEADER} asked for is not supported.',
    409: 'the resource is not in a state that allows it.',
    413: 'the body is larger than the limit.',
    415: 'the body is not JSON (UTF-8).',
}
_CHANGES = ('POST', 'PUT', 'PATCH', 'DELETE')


def _operation_id(method: str, path: str) -> str:
    words = [re.sub(r'[^a-z0-9]+', '_', segment.strip('{}').lower())
             for segment in path.split('/') if segment]
    return '_'.join([method.lower(), *(words or ['root'])])


def _summary(handler) -> tuple[str, str]:
    """The first sentence of the handler's docstring, and the rest."""
    text = ' '.join((handler.__doc__ or '').split()).replace('``', '`')
    summary, _, rest = text.partition('. ')
    return summary.rstrip('.') + '.' if summary else '', rest


def _error_codes(operation: routing.Operation, declared: contract.Contract,
                 keystone: bool, public: bool) -> list[int]:
    v1 = operation.path.startswith('/v1')
    codes = []
    if declared.bodies or declared.query or v1:
        codes.append(400)
    if keystone and not public:
        codes += [401, 403]
    if operation.parameters or declared.min_version > versions.MIN_VERSION:
        codes.append(404)
    if v1:
        codes.append(406)
    if operation.method in _CHANGES and v1:
        codes.append(409)
    if declared.bodies:
        codes += [413, 415]
    return codes


class _Builder:
    """The document, built one operation at a time."""

    def __init__(self, keystone: bool) -> None:
        self.keystone = keystone
        self.schemas = components.Schemas()
        #: The paths whose POST answers what it created, by status.
        self.creations: dict[str, str] = {}

    def parameters(self, operation: routing.Operation,
                   declared: contract.Contract) -> list[dict]:
        found = [{'name': name, 'in': 'path', 'required': True,
                  'description': description,
                  'schema': {'type': 'string', 'minLength': 1}}
                 for name, description in operation.parameters]
        query = declared.query or {}
        for name, schema in query.get('properties', {}).items():
            found.append({'name': name, 'in': 'query',
                          'required': name in query.get('required', ()),
                          'schema': self.schemas.inline(schema)})
        if operation.path.startswith('/v1'):
            found.append({'$ref': '#/components/parameters/'
                          + components.microversion_name(
                              declared.min_version)})
        return found

    def request_body(self, declared: contract.Contract) -> dict | None:
        if not declared.bodies:
            return None
        bodies = sorted(declared.bodies, key=lambda b: b.min_version)
        if len(bodies) == 1:
            schema = self.schemas.ref(bodies[0].schema)
        else:
            schema = {'anyOf': [
                {**self.schemas.ref(b.schema),
                 'x-openstack': components.version_range(
                     max(b.min_version, declared.min_version),
                     b.max_version)}
                for b in bodies]}
        return {'required': not declared.body_optional,
                'content': {'application/json': {'schema': schema}}}

    def success(self, operation: routing.Operation,
                declared: contract.Contract) -> dict:
        response = {'description': _SUCCESS.get(declared.status, 'OK.')}
        if declared.status != 204 and declared.response is not None:
            response['content'] = {
                'application/json': {
                    'schema': self.schemas.ref(declared.response)},
                **{media_type: {'schema': self.schemas.inline(schema)}
                   for media_type, schema in declared.media_types.items()}}
        headers = {}
        if operation.path.startswith('/v1'):
            headers.update(components.VERSION_HEADERS)
        if declared.status == 201:
            headers['Location'] = {'description': 'The URL of what was '
                                                  'created.',
                                   'schema': {'type': 'string'}}
        if headers:
            response['headers'] = headers
        return response

    def operation(self, operation: routing.Operation) -> dict:
        declared = contract.of(operation.handler)
        if declared is None:
            raise TypeError(f'{operation.method} {operation.path} declares '
                            'no contract (method.expose)')
        public = operation.path in app.PUBLIC_ROUTES
        summary, description = _summary(operation.handler)
        result = {
            'operationId': _operation_id(operation.method, operation.path),
            'summary': summary,
            'tags': [components.tag(operation.path)],
            'parameters': self.parameters(operation, declared),
        }
        if description:
            result['description'] = description
        body = self.request_body(declared)
        if body is not None:
            result['requestBody'] = body
        result['responses'] = {
            str(declared.status): self.success(operation, declared),
            **{str(code): components.error_response(
                http.HTTPStatus(code), declared.errors.get(code)
                or _ERRORS[code])
               for code in sorted({*_error_codes(operation, declared,
                                                 self.keystone, public),
                                   *declared.errors})},
            'default': {'$ref': '#/components/responses/error'},
        }
        if operation.method == 'POST' and 'uuid' in (
                declared.response or {}).get('required', ()):
            self.creations[operation.path] = str(declared.status)
        if declared.min_version > versions.MIN_VERSION:
            result['x-openstack'] = {
                'min-ver': versions.format_version(declared.min_version)}
        if public and self.keystone:
            result['security'] = []
        return result

    def document(self, operations: list[routing.Operation]) -> dict:
        paths: dict[str, dict] = {}
        for operation in operations:
            paths.setdefault(operation.path, {})[
                operation.method.lower()] = self.operation(operation)
        paths.update(components.MIDDLEWARE_PATHS)
        paths.update(ui.OPENAPI_PATHS)
        for schema in ui.OPENAPI_SCHEMAS:
            self.schemas.ref(schema)
        components.add_links(paths, self.creations)
        result = {
            'openapi': OPENAPI_VERSION,
            'info': {'title': 'Pumphouse', 'description': DESCRIPTION,
                     'version': versions.format_version(
                         versions.MAX_VERSION)},
            'tags': components.tags(paths),
            'paths': paths,
            'components': {
                'schemas': self.schemas.components(),
                'parameters': components.microversion_parameters(),
                'responses': {'error': components.error_response(
                    None, 'An error.')},
            },
        }
        if self.keystone:
            result['components']['securitySchemes'] = {
                'keystone': components.KEYSTONE}
            result['security'] = [{'keystone': []}]
        return result


@functools.lru_cache(maxsize=8)
def _document(root: routing.Resource, auth_strategy: str) -> dict:
    builder = _Builder(keystone=auth_strategy == 'keystone')
    return builder.document(list(routing.operations(root)))


def document(root: routing.Resource, auth_strategy: str) -> dict:
    """The OpenAPI document of the API below ``root`` as
    ``auth_strategy`` serves it (made once, a copy of its own)."""
    return copy.deepcopy(_document(root, auth_strategy))
