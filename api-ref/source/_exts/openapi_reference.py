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

"""Sphinx directives that render the API reference from the OpenAPI
document of the API (:mod:`openapi_rst` writes the reStructuredText).

::

    .. openapi-description::

the document's description;

::

    .. openapi-operations:: TAG

a section for each operation of the tag (os-api-ref's ``rest_method``
stanza, parameters, bodies, status codes);

::

    .. openapi-microversions::

the microversion history (:data:`pumphouse.api.versions.HISTORY`) with the
operations and request bodies each microversion added.
"""

import functools

import openapi_rst
from docutils import nodes
from docutils import statemachine
from sphinx.util import docutils as sphinx_docutils
from sphinx.util import nodes as sphinx_nodes


@functools.cache
def _document() -> dict:
    return openapi_rst.document()


class _GeneratedDirective(sphinx_docutils.SphinxDirective):
    """Parses the lines :meth:`lines` writes, sections included."""

    def lines(self) -> list[str]:
        raise NotImplementedError

    def run(self):
        source = self.state_machine.get_source_and_line(self.lineno)[0]
        # The reference changes with the code, not with this page
        self.env.note_dependency(openapi_rst.__file__)
        wrapper = nodes.section()
        wrapper.document = self.state.document
        sphinx_nodes.nested_parse_with_titles(
            self.state, statemachine.StringList(self.lines(), source=source),
            wrapper)
        return wrapper.children


class DescriptionDirective(_GeneratedDirective):
    """``.. openapi-description::``"""

    def lines(self):
        return openapi_rst.description_rst(_document())


class OperationsDirective(_GeneratedDirective):
    """``.. openapi-operations:: TAG``"""

    required_arguments = 1

    def lines(self):
        tag = self.arguments[0]
        if tag not in openapi_rst.tags(_document()):
            raise self.error(f'openapi-operations: no tag {tag!r} in the '
                             'OpenAPI document')
        return openapi_rst.operations_rst(_document(), tag)


class MicroversionsDirective(_GeneratedDirective):
    """``.. openapi-microversions::``"""

    def lines(self):
        from pumphouse.api import versions  # noqa: PLC0415

        return openapi_rst.history_rst(_document(), versions.HISTORY)


def setup(app):
    app.add_directive('openapi-description', DescriptionDirective)
    app.add_directive('openapi-operations', OperationsDirective)
    app.add_directive('openapi-microversions', MicroversionsDirective)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
