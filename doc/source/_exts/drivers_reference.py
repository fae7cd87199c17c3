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

"""Document the drivers from their entry points.

::

    .. hardware-drivers:: pumphouse.hardware.power

gives, for every driver of the stevedore namespace, its module's
docstring and the keys of its info (``info_schema``): type, whether it is
required and whether it is secret (stored encrypted, never shown).

::

    .. resource-types::

gives a table of the resource types (``pumphouse.resources``): what each
is, the strategies it offers and the one each kind of workload gives it.
"""

import importlib.metadata
import inspect

from docutils import nodes
from docutils import statemachine
from sphinx.util import docutils as sphinx_docutils
from sphinx.util import nodes as sphinx_nodes


def _type(schema: dict) -> str:
    if 'oneOf' in schema:
        kinds = [_type(s) for s in schema['oneOf']]
        return ' or '.join(dict.fromkeys(kinds))
    kind = schema.get('type', 'any')
    if kind == 'array':
        return f'list of {_type(schema.get("items", {}))}'
    if isinstance(kind, list):
        return ' or '.join(kind)
    return kind


def info_rows(driver) -> list[tuple[str, str, str, str]]:
    """(key, type, required, secret) of each top-level key of the info;
    a schema that is one of several shapes gives the keys of each."""
    schema = driver.info_schema
    shapes = schema.get('oneOf', [schema])
    rows = []
    for shape in shapes:
        required = set(shape.get('required', ()))
        for key, sub in shape.get('properties', {}).items():
            row = (key, _type(sub), 'yes' if key in required else 'no',
                   'yes' if key in driver.secret_keys else 'no')
            if row not in rows:
                rows.append(row)
    return rows


def _rst_for(name: str, driver) -> list[str]:
    module = inspect.getmodule(driver)
    lines = [f'``{name}``', '~' * (len(name) + 4), '']
    lines += inspect.cleandoc(module.__doc__ or '').splitlines() + ['']
    rows = info_rows(driver)
    if not rows:
        lines += ['Its info takes no keys.', '']
        return lines
    lines += ['.. list-table::', '   :header-rows: 1', '',
              '   * - Info key', '     - Type', '     - Required',
              '     - Secret']
    for key, kind, required, secret in rows:
        lines += [f'   * - ``{key}``', f'     - {kind}',
                  f'     - {required}', f'     - {secret}']
    lines.append('')
    return lines


WORKLOAD_KINDS = ('project', 'domain', 'server', 'host', 'resources')


def _summary(driver) -> str:
    doc = inspect.getdoc(driver) or ''
    return ' '.join(doc.split('\n\n')[0].split())


def _defaults(driver) -> str:
    chosen = driver.workload_strategies
    return ', '.join(f'{kind}: ``{chosen[kind]}``'
                     for kind in WORKLOAD_KINDS if kind in chosen)


class ResourceTypesDirective(sphinx_docutils.SphinxDirective):
    """``.. resource-types::``: the resource drivers as a table."""

    def run(self):
        entry_points = sorted(
            importlib.metadata.entry_points(group='pumphouse.resources'),
            key=lambda ep: ep.name)
        if not entry_points:
            raise self.error('resource-types: no entry point in '
                             'pumphouse.resources (is Pumphouse installed?)')
        rst = ['.. list-table::', '   :header-rows: 1',
               '   :widths: 20 45 15 20', '',
               '   * - Type', '     - What it is', '     - Strategies',
               '     - Given by the workload']
        for entry_point in entry_points:
            driver = entry_point.load()
            strategies = ', '.join(f'``{s}``' for s in driver.strategies)
            rst += [f'   * - ``{entry_point.name}``',
                    f'     - {_summary(driver)}',
                    f'     - {strategies}',
                    f'     - {_defaults(driver) or "(supplementary)"}']
        source = self.state_machine.get_source_and_line(self.lineno)[0]
        wrapper = nodes.container()
        self.state.nested_parse(statemachine.StringList(rst, source=source),
                                self.content_offset, wrapper)
        return wrapper.children


class HardwareDriversDirective(sphinx_docutils.SphinxDirective):
    """``.. hardware-drivers:: NAMESPACE``."""

    required_arguments = 1

    def run(self):
        namespace = self.arguments[0]
        entry_points = sorted(
            importlib.metadata.entry_points(group=namespace),
            key=lambda ep: ep.name)
        if not entry_points:
            raise self.error(f'hardware-drivers: no entry point in '
                             f'{namespace} (is Pumphouse installed?)')
        rst = []
        for entry_point in entry_points:
            rst += _rst_for(entry_point.name, entry_point.load())
        source = self.state_machine.get_source_and_line(self.lineno)[0]
        wrapper = nodes.section()
        wrapper.document = self.state.document
        sphinx_nodes.nested_parse_with_titles(
            self.state, statemachine.StringList(rst, source=source), wrapper)
        return wrapper.children


def setup(app):
    app.add_directive('hardware-drivers', HardwareDriversDirective)
    app.add_directive('resource-types', ResourceTypesDirective)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
