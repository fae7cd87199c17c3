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

"""The API reference as reStructuredText, written from the OpenAPI document.

The document is the one the API serves at ``GET /v1/openapi.json``
(:mod:`pumphouse.api.openapi`), made from the routes and the schemas the
API checks requests and responses against; the microversion history is
:data:`pumphouse.api.versions.HISTORY`. Nothing here imports Sphinx:
``openapi_reference`` (the extension) parses what these functions write,
and the unit tests read it.

Each operation is a section with os-api-ref's ``rest_method`` stanza, its
parameters and bodies as tables, and its status codes.
"""

import re

#: The HTTP methods of an OpenAPI path item, in the order they are shown.
METHODS = ('get', 'head', 'post', 'put', 'patch', 'delete')
#: How deep the fields of nested objects are listed.
MAX_DEPTH = 4
#: What an empty table cell shows (a cell may not be empty).
NOTHING = '\u2013'

_CODE = re.compile(r'(`[^`\n]+`)')
_SPECIAL = re.compile(r'([\\*_|`<>\[\]])')


def document() -> dict:
    """The OpenAPI document as a deployment with Keystone serves it."""
    # Imported here: the unit tests read the functions below with a
    # document of their own making too.
    from pumphouse.api import openapi  # noqa: PLC0415
    from pumphouse.api.controllers import root  # noqa: PLC0415

    return openapi.document(root.RootController(), 'keystone')


def text(value: str) -> str:
    """Text of the document (Markdown-like: `code`) as inline
    reStructuredText: code as literals, markup characters escaped."""
    parts = []
    for part in _CODE.split(' '.join(value.split())):
        if _CODE.fullmatch(part):
            # Escaped spaces: a literal may touch a word ("`x`s")
            parts.append(f'\\ ``{part[1:-1]}``\\ ')
        else:
            parts.append(_SPECIAL.sub(r'\\\1', part))
    return ''.join(parts)


def label(operation: dict) -> str:
    """The reference target of an operation's section."""
    return 'op-' + operation['operationId'].replace('_', '-')


def operations(document: dict, tag: str | None = None
               ) -> list[tuple[str, str, dict]]:
    """(METHOD, path, operation) of every operation, or of those of
    ``tag``, in the document's order."""
    found = []
    for path, item in document['paths'].items():
        for method in METHODS:
            operation = item.get(method)
            if operation and (tag is None or tag in operation.get('tags',
                                                                  ())):
                found.append((method.upper(), path, operation))
    return found


def tags(document: dict) -> list[str]:
    """The tags of the document: one page of the reference each."""
    return [entry['name'] for entry in document.get('tags', ())]


class _Schemas:
    """Schemas of the document with their references followed."""

    def __init__(self, document: dict) -> None:
        self.document = document

    def resolve(self, schema: dict) -> dict:
        seen = set()
        while '$ref' in schema:
            ref = schema['$ref']
            if ref in seen:
                break
            seen.add(ref)
            target = self.document
            for part in ref.lstrip('#/').split('/'):
                target = target[part]
            schema = {**target, **{k: v for k, v in schema.items()
                                   if k != '$ref'}}
        return schema

    def type_of(self, schema: dict) -> str:
        schema = self.resolve(schema)
        for combined in ('anyOf', 'oneOf'):
            if combined in schema:
                kinds = [self.type_of(s) for s in schema[combined]]
                return ' or '.join(dict.fromkeys(kinds))
        kind = schema.get('type')
        if kind is None:
            if 'const' in schema:
                return type(schema['const']).__name__.replace('str',
                                                              'string')
            return 'any'
        if isinstance(kind, list):
            return ' or '.join(kind)
        if kind == 'array':
            return f'array of {self.type_of(schema.get("items", {}))}'
        return kind

    def describe(self, schema: dict) -> str:
        """Its description and constraints, as reStructuredText."""
        schema = self.resolve(schema)
        said = []
        if schema.get('description'):
            said.append(text(schema['description']).rstrip('.') + '.')
        if 'enum' in schema:
            values = ', '.join(_literal(v) for v in schema['enum'])
            said.append(f'One of {values}.')
        if 'const' in schema:
            said.append(f'Always {_literal(schema["const"])}.')
        if schema.get('format'):
            said.append(f'Format {_literal(schema["format"])}.')
        for key, what in (('minLength', 'At least {} character{}.'),
                          ('maxLength', 'At most {} character{}.'),
                          ('minimum', 'At least {}.'),
                          ('maximum', 'At most {}.'),
                          ('minItems', 'At least {} item{}.'),
                          ('maxItems', 'At most {} item{}.')):
            if key in schema:
                plural = '' if schema[key] == 1 else 's'
                said.append(what.format(schema[key], plural))
        values = schema.get('additionalProperties')
        if isinstance(values, dict):
            said.append(f'A map whose values are {self.type_of(values)}.')
            if self.describe(values) != NOTHING:
                said.append(f'Values: {self.describe(values)}')
        for pattern, sub in schema.get('patternProperties', {}).items():
            said.append(f'Keys matching {_literal(pattern)} map to '
                        f'{self.type_of(sub)}.')
        if 'pattern' in schema:
            said.append(f'Matches {_literal(schema["pattern"])}.')
        if 'default' in schema:
            said.append(f'Default {_literal(schema["default"])}.')
        return ' '.join(said) or NOTHING

    def fields(self, schema: dict, prefix: str = '', depth: int = 0
               ) -> list[tuple[str, str, bool, str]]:
        """(name, type, required, description) of the fields of an object
        schema and of the objects in it, with dotted names (``[]`` for
        the items of an array)."""
        schema = self.resolve(schema)
        if schema.get('type') == 'array' and not prefix:
            return self.fields(schema.get('items', {}), '[].', depth)
        rows = []
        required = set(schema.get('required', ()))
        for name, sub in schema.get('properties', {}).items():
            rows.append((prefix + name, self.type_of(sub), name in required,
                         self.describe(sub)))
            if depth >= MAX_DEPTH:
                continue
            resolved = self.resolve(sub)
            if resolved.get('type') == 'array':
                resolved = self.resolve(resolved.get('items', {}))
                rows += self.fields(resolved, f'{prefix}{name}[].',
                                    depth + 1)
            elif resolved.get('properties'):
                rows += self.fields(resolved, f'{prefix}{name}.', depth + 1)
        return rows


def _literal(value) -> str:
    if isinstance(value, bool):
        value = str(value).lower()
    elif value is None:
        value = 'null'
    value = str(value)
    if not value or value != value.strip() or '`' in value:
        return repr(value)
    return f'``{value}``'


def _title(title: str, char: str) -> list[str]:
    return [title, char * max(len(title), 4), '']


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]],
           widths: str) -> list[str]:
    lines = ['.. list-table::', '   :header-rows: 1',
             f'   :widths: {widths}', '']
    for row in [header, *rows]:
        first, *rest = (cell or NOTHING for cell in row)
        lines.append(f'   * - {first}')
        lines += [f'     - {cell}' for cell in rest]
    return lines + ['']


def _parameter_rows(schemas: _Schemas, operation: dict
                    ) -> list[tuple[str, ...]]:
    rows = []
    for parameter in operation.get('parameters', ()):
        parameter = schemas.resolve(parameter)
        schema = parameter.get('schema', {})
        description = parameter.get('description', '')
        said = [text(description)] if description else []
        constraints = schemas.describe(schema)
        if constraints != NOTHING:
            said.append(constraints)
        name = f'``{parameter["name"]}``'
        if not parameter.get('required'):
            name += ' (Optional)'
        rows.append((name, parameter['in'], schemas.type_of(schema),
                     ' '.join(said)))
    return rows


def _body_rows(schemas: _Schemas, schema: dict) -> list[tuple[str, ...]]:
    return [(f'``{name}``' + ('' if required else ' (Optional)'), 'body',
             kind, description)
            for name, kind, required, description in schemas.fields(schema)]


_HEADER = ('Name', 'In', 'Type', 'Description')
_WIDTHS = '25 8 15 52'


def _request(schemas: _Schemas, operation: dict) -> list[str]:
    lines = _title('Request', '-')
    rows = _parameter_rows(schemas, operation)
    body = operation.get('requestBody')
    alternatives = []
    if body:
        schema = body['content']['application/json']['schema']
        alternatives = schema.get('anyOf', [schema])
        if len(alternatives) == 1:
            rows += _body_rows(schemas, alternatives[0])
            alternatives = []
    if rows:
        lines += _table(_HEADER, rows, _WIDTHS)
    else:
        lines += ['No parameters, no body.', '']
    for alternative in alternatives:
        versions = alternative.get('x-openstack', {})
        first, last = versions.get('min-ver'), versions.get('max-ver')
        lines += [f'The body in microversion {first}:' if first == last
                  else f'The body in microversions {first} to {last}:', '']
        lines += _table(_HEADER, _body_rows(schemas, alternative), _WIDTHS)
    return lines


def _response(schemas: _Schemas, operation: dict) -> list[str]:
    lines = _title('Response', '-')
    responses = operation.get('responses', {})
    codes = [(code, schemas.resolve(response)) for code, response in
             responses.items() if code != 'default']
    lines += _table(('Code', 'Meaning'),
                    [(code, text(response.get('description', '')))
                     for code, response in codes], '15 85')
    success = next((response for code, response in codes
                    if code.startswith('2')), {})
    content = success.get('content', {})
    json_body = content.get('application/json')
    if json_body:
        rows = _body_rows(schemas, json_body['schema'])
        if rows:
            lines += ['The body of a success:', '']
            lines += _table(_HEADER, rows, _WIDTHS)
    others = [media for media in content if media != 'application/json']
    if others:
        lines += ['Also answers with ' + ', '.join(
            f'``{media}``' for media in others) + '.', '']
    if 'default' in responses or any(code.startswith(('4', '5'))
                                     for code, _ in codes):
        lines += ['An error answers ``{"error": {"code": ..., "title": '
                  '..., "message": ...}}``.', '']
    return lines


def operation_rst(document: dict, method: str, path: str,
                  operation: dict) -> list[str]:
    """The section of one operation."""
    schemas = _Schemas(document)
    summary = text(operation.get('summary') or f'{method} {path}')
    lines = [f'.. _{label(operation)}:', '']
    lines += _title(summary.rstrip('.'), '=')
    min_version = operation.get('x-openstack', {}).get('min-ver')
    lines += [f'.. rest_method:: {method} {path}']
    if min_version:
        lines += ['', f'   min_version: {min_version}']
    lines.append('')
    if operation.get('description'):
        lines += [text(operation['description']), '']
    if min_version:
        lines += [f'.. versionadded:: {min_version}', '']
    if operation.get('security') == []:
        lines += ['No authentication is needed.', '']
    lines += _request(schemas, operation)
    lines += _response(schemas, operation)
    return lines


def operations_rst(document: dict, tag: str) -> list[str]:
    """The sections of the operations of ``tag``."""
    lines = []
    for method, path, operation in operations(document, tag):
        lines += operation_rst(document, method, path, operation)
    return lines


def description_rst(document: dict) -> list[str]:
    """The document's description, paragraph by paragraph."""
    lines = []
    for paragraph in document['info'].get('description', '').split('\n\n'):
        if paragraph.strip():
            lines += [text(paragraph), '']
    return lines


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split('.'))


def history_rst(document: dict, history) -> list[str]:
    """The microversion history: for each entry of ``history``
    ((major, minor), reStructuredText) what it brought, the operations it
    added and the operations whose request body it changed."""
    added: dict[str, list[str]] = {}
    changed: dict[str, list[str]] = {}
    for method, path, operation in operations(document):
        ref = f':ref:`{method} {path} <{label(operation)}>`'
        first = operation.get('x-openstack', {}).get('min-ver')
        if first:
            added.setdefault(first, []).append(ref)
        body = operation.get('requestBody', {}).get('content', {}).get(
            'application/json', {}).get('schema', {})
        for alternative in body.get('anyOf', ())[1:]:
            since = alternative.get('x-openstack', {}).get('min-ver')
            if since and since != first:
                changed.setdefault(since, []).append(ref)
    lines = []
    for version, what in history:
        name = '.'.join(map(str, version))
        lines += _title(name, '=')
        lines += [what, '']
        if added.get(name):
            lines += ['Operations added:', '']
            lines += [f'* {ref}' for ref in added[name]] + ['']
        if changed.get(name):
            lines += ['Request bodies changed:', '']
            lines += [f'* {ref}' for ref in changed[name]] + ['']
    unknown = (set(added) | set(changed)) - {
        '.'.join(map(str, version)) for version, _ in history}
    if unknown:
        raise ValueError('microversions without a history entry: '
                         + ', '.join(sorted(unknown, key=_version_key)))
    return lines
