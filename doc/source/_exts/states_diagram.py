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

"""Draw the automaton state machines of the code at build time.

::

    .. state-machine:: pumphouse.engine.states:_MACHINE
       :order: pumphouse.engine.states:STATES
       :caption: The states of a migration.

imports the machine, writes its transitions as a graphviz graph (drawn by
``sphinx.ext.graphviz``) and as a table below it, so that the picture is
always the machine the code runs and its text can be searched. ``:order:``
names the states in the order of their way: the graph runs from left to
right in that order, and the transitions that lead back do not bend it.
"""

import importlib
from collections.abc import Sequence

from docutils import nodes
from docutils import statemachine
from docutils.parsers.rst import directives
from sphinx.util import docutils as sphinx_docutils


def load_machine(spec: str):
    """The object ``module:attribute`` names."""
    module_name, _sep, attribute = spec.partition(':')
    if not attribute:
        raise ValueError(f'expected module:attribute, not {spec!r}')
    return getattr(importlib.import_module(module_name), attribute)


def transitions(machine, order: Sequence[str] = ()
                ) -> list[tuple[str, str, str]]:
    """(state, event, target) of every transition, in the order of the
    states (those not in ``order`` last, by name), then by event.

    Iterating over an automaton ``FiniteMachine`` gives these triples.
    """
    rank = {state: i for i, state in enumerate(order)}
    return sorted(machine, key=lambda t: (rank.get(t[0], len(rank)), t[0],
                                          t[1], t[2]))


def _quote(text: str) -> str:
    return '"' + text.replace('\\', '\\\\').replace('"', '\\"') + '"'


def dot_source(machine, name: str, order: Sequence[str] = ()) -> str:
    """The machine as a graphviz digraph; an edge is labelled with its
    event unless the event is named after the state it leads to."""
    rank = {state: i for i, state in enumerate(order)}
    states = sorted(machine.states,
                    key=lambda state: (rank.get(state, len(rank)), state))
    lines = [f'digraph {_quote(name)} {{',
             '    rankdir=LR;',
             '    node [shape=box, style=rounded, fontname="sans-serif", '
             'fontsize=11];',
             '    edge [fontname="sans-serif", fontsize=9];']
    for state in states:
        lines.append(f'    {_quote(state)};')
    for state, event, target in transitions(machine, order):
        attributes = [] if event == target else [f'label={_quote(event)}']
        if (state in rank and target in rank
                and rank[target] <= rank[state]):
            attributes.append('constraint=false')
        extra = f' [{", ".join(attributes)}]' if attributes else ''
        lines.append(f'    {_quote(state)} -> {_quote(target)}{extra};')
    lines.append('}')
    return '\n'.join(lines)


class StateMachineDirective(sphinx_docutils.SphinxDirective):
    """``.. state-machine:: module:attribute``: diagram and table."""

    required_arguments = 1
    option_spec = {
        'caption': directives.unchanged,
        'order': directives.unchanged,
        'no-table': directives.flag,
    }

    def run(self):
        spec = self.arguments[0]
        try:
            machine = load_machine(spec)
        except (ImportError, AttributeError, ValueError) as e:
            raise self.error(
                f'state-machine: cannot load {spec}: {e}') from e
        try:
            order = (tuple(load_machine(self.options['order']))
                     if 'order' in self.options else ())
        except (ImportError, AttributeError, ValueError) as e:
            raise self.error(
                f'state-machine: cannot load the order: {e}') from e
        name = spec.rpartition(':')[0].replace('.', '_')
        caption = self.options.get('caption', f'The machine {spec}.')
        rst = ['.. graphviz::',
               f'   :caption: {caption}',
               f'   :alt: {caption}',
               '']
        rst += ['   ' + line for line in
                dot_source(machine, name, order).splitlines()]
        if 'no-table' not in self.options:
            rst += ['', '.. list-table::', '   :header-rows: 1', '',
                    '   * - From', '     - Event', '     - To']
            for state, event, target in transitions(machine, order):
                rst += [f'   * - ``{state}``', f'     - ``{event}``',
                        f'     - ``{target}``']
        source = self.state_machine.get_source_and_line(self.lineno)[0]
        content = statemachine.StringList(rst, source=source)
        wrapper = nodes.container()
        self.state.nested_parse(content, self.content_offset, wrapper)
        return wrapper.children


def setup(app):
    app.setup_extension('sphinx.ext.graphviz')
    app.add_directive('state-machine', StateMachineDirective)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
