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

"""The parts of the OpenAPI document that are not one operation's:
named schemas, the microversion header, errors, links between
operations, the paths middleware answers (see :mod:`.openapi`)."""

import http
import re

from pumphouse.api import contract
from pumphouse.api import versions
from pumphouse.api.schemas import common
from pumphouse.api.schemas import ui
from pumphouse.api.schemas import versions as version_schemas
from pumphouse.api.schemas.v1 import cloud_resources
from pumphouse.api.schemas.v1 import clouds
from pumphouse.api.schemas.v1 import event_stream
from pumphouse.api.schemas.v1 import hosts
from pumphouse.api.schemas.v1 import mappings
from pumphouse.api.schemas.v1 import migrations

#: The modules whose schemas are named components, by their name.
SCHEMA_MODULES = (version_schemas, clouds, hosts, mappings, migrations,
                  cloud_resources, event_stream, ui)

KEYSTONE = {'type': 'apiKey', 'in': 'header', 'name': 'X-Auth-Token',
            'description': 'A Keystone token of the source cloud.'}

VERSION_HEADERS = {
    versions.HEADER: {
        'description': 'The microversion that answered.',
        'schema': {'type': 'string'}},
    'Vary': {'description': f'Names {versions.HEADER}.',
             'schema': {'type': 'string'}},
}

#: Paths answered by middleware, outside the controllers.
MIDDLEWARE_PATHS = {
    '/healthcheck': {'get': {
        'operationId': 'get_healthcheck',
        'summary': 'Whether the API process is up (oslo.middleware).',
        'tags': ['health'],
        'security': [],
        'responses': {
            '200': {'description': 'Up.',
                    'content': {'text/plain': {
                        'schema': {'type': 'string'}}}},
            '503': {'description': 'Disabled by its file.',
                    'content': {'text/plain': {
                        'schema': {'type': 'string'}}}},
        },
    }},
}


_ESCAPED_END = re.compile(r'(?<!\\)((?:\\\\)*)\\Z')


def ecma_pattern(pattern: str) -> str:
    """A Python pattern ending with ``\\Z`` as an ECMA-262 one."""
    return _ESCAPED_END.sub(r'\1$', pattern)


class Schemas:
    """Schemas as the document shows them: the ones of
    :data:`SCHEMA_MODULES` as references to named components, patterns
    as ECMA-262 ones."""

    def __init__(self) -> None:
        self._names = {id(common.ERROR): 'error'}
        for module in SCHEMA_MODULES:
            prefix = module.__name__.rsplit('.', 1)[-1]
            for name, value in vars(module).items():
                if isinstance(value, dict) and not name.startswith('_'):
                    self._names.setdefault(id(value), f'{prefix}.{name}')
        self._components = {'error': None}
        self._components['error'] = self.inline(common.ERROR)

    def ref(self, schema: dict) -> dict:
        """``schema`` as a reference when it is named, else inline."""
        name = self._names.get(id(schema))
        if name is None:
            return self.inline(schema)
        if name not in self._components:
            self._components[name] = None  # being made
            self._components[name] = self.inline(schema)
        return {'$ref': f'#/components/schemas/{name}'}

    def inline(self, schema: object) -> object:
        """``schema`` with its named parts as references."""
        if isinstance(schema, list):
            return [self.ref(v) if isinstance(v, dict) else v
                    for v in schema]
        if not isinstance(schema, dict):
            return schema
        result = {}
        for key, value in schema.items():
            if key == 'pattern' and isinstance(value, str):
                result[key] = ecma_pattern(value)
            elif key in ('properties', '$defs', 'patternProperties'):
                result[key] = {k: self.ref(v) for k, v in value.items()}
            elif isinstance(value, (dict, list)) and key not in (
                    'enum', 'const', 'required', 'examples', 'default'):
                result[key] = (self.ref(value) if isinstance(value, dict)
                               else self.inline(value))
            else:
                result[key] = value
        return result

    def components(self) -> dict:
        return dict(sorted(self._components.items()))


def microversion_name(min_version: contract.Version) -> str:
    return 'microversion_' + '_'.join(map(str, min_version))


def microversion_parameters() -> dict:
    """The ``OpenStack-API-Version`` header of the operations of each
    microversion: required past the first one."""
    result = {}
    for since in versions.supported():
        values = [f'{versions.SERVICE_TYPE} {versions.format_version(v)}'
                  for v in versions.supported() if v >= since]
        result[microversion_name(since)] = {
            'name': versions.HEADER, 'in': 'header',
            'required': since > versions.MIN_VERSION,
            'description': 'The microversion to use'
                           + ('' if since == versions.MIN_VERSION else
                              f' (at least {versions.format_version(since)})')
                           + '; a header naming another service is ignored.',
            'schema': {'type': 'string', 'enum': [
                *values, f'{versions.SERVICE_TYPE} latest']},
        }
    return result


def version_range(first: contract.Version,
                  last: contract.Version) -> dict:
    """The ``x-openstack`` of what microversions first to last have."""
    return {'min-ver': versions.format_version(first),
            'max-ver': versions.format_version(last)}


def error_response(status: http.HTTPStatus | None, description: str) -> dict:
    text = f'{status.phrase}: {description}' if status else description
    return {'description': text,
            'content': {'application/json': {
                'schema': {'$ref': '#/components/schemas/error'}}}}


def tag(path: str) -> str:
    """An operation's tag: the collection of its path."""
    segments = path.strip('/').split('/')
    return segments[1] if len(segments) > 1 and segments[0] == 'v1' \
        and segments[1] != 'openapi.json' else 'version'


def tags(paths: dict) -> list[dict]:
    names = {t for ops in paths.values() for op in ops.values()
             for t in op.get('tags', ())}
    return [{'name': name} for name in sorted(names)]


def _item_links(path: str, response: dict, paths: dict) -> None:
    """Link the answer of a creation to the operations of its item."""
    prefix = f'{path}/{{'
    items = sorted(p for p in paths if p.startswith(prefix))
    if not items:
        return
    name = items[0][len(prefix):].split('}', 1)[0]
    links = {}
    for item_path in items:
        if item_path.count('{') != path.count('{') + 1:
            continue
        for operation in paths[item_path].values():
            links[operation['operationId']] = {
                'operationId': operation['operationId'],
                'parameters': {name: '$response.body#/uuid'}}
    response['links'] = links


def add_links(paths: dict, creations: dict[str, str]) -> None:
    """OpenAPI links from each creation (``creations``: path to the
    status of the POST that answers what it created, with its ``uuid``)
    to what can be done with what it created."""
    for path, status in creations.items():
        _item_links(path, paths[path]['post']['responses'][status], paths)
