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

"""Document a notification payload from its JSON schema, so that the
page cannot drift from what is sent.

::

    .. notification-payload:: migration_state_type

gives the payload's name, version and description, a table of its data
fields (type, values, description) and the whole JSON schema, from
:func:`pumphouse.notifications.payloads.migration_state_type`.
"""

import json

from docutils import nodes
from docutils import statemachine
from sphinx.util import docutils as sphinx_docutils

from pumphouse.notifications import payloads


def _cell(text: str) -> str:
    return text or '\u2014'


def payload_rst(payload_type: payloads.PayloadType) -> list[str]:
    rst = [f'``{payload_type.name}`` version {payload_type.version}: '
           f'{payload_type.description}', '',
           '.. list-table::', '   :header-rows: 1',
           '   :widths: 20 15 25 40', '',
           '   * - Field', '     - Type', '     - Values',
           '     - Description']
    for name, kind, values, description in payloads.field_rows(
            payload_type):
        rst += [f'   * - ``{name}``', f'     - {kind}',
                f'     - {_cell(values)}', f'     - {_cell(description)}']
    rst += ['', 'Its JSON schema:', '', '.. code-block:: json', '']
    schema = json.dumps(payload_type.schema(), indent=2)
    rst += ['   ' + line for line in schema.splitlines()]
    rst.append('')
    return rst


class NotificationPayloadDirective(sphinx_docutils.SphinxDirective):
    """``.. notification-payload:: FUNCTION`` (of
    :mod:`pumphouse.notifications.payloads`)."""

    required_arguments = 1

    def run(self):
        make = getattr(payloads, self.arguments[0], None)
        if make is None:
            raise self.error(f'notification-payload: no '
                             f'payloads.{self.arguments[0]}')
        source = self.state_machine.get_source_and_line(self.lineno)[0]
        wrapper = nodes.container()
        self.state.nested_parse(
            statemachine.StringList(payload_rst(make()), source=source),
            self.content_offset, wrapper)
        return wrapper.children


def setup(app):
    app.add_directive('notification-payload', NotificationPayloadDirective)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
