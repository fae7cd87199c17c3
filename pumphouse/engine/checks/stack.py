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

"""The ``stack`` pre-check: can the destination's Heat adopt each stack?

A stack is adopted only when the source's Heat exports it, every
resource of it is one Pumphouse moves (or holds no cloud resource), it
is ``*_COMPLETE`` in the source and the destination's Heat adopts stacks
(``enable_stack_adopt``). The stack driver finds out while it reads the
source and keeps the reasons with the stack (``problems``); this check
shows them, one failed check per stack (``stack:<name>``). Overridden,
the stack's resources move and the stack does not (its item is
skipped, with the reasons, and the report says so). A stack read from
Heat's listings because the source does not export stacks is a warning.
"""

from pumphouse.engine.checks.result import FAILED
from pumphouse.engine.checks.result import PASSED
from pumphouse.engine.checks.result import WARNING
from pumphouse.engine.checks.result import Result

CATEGORY = 'stack'
TYPE = 'orchestration.stack'


def check(ctx, plan, drivers) -> list[Result]:
    results = []
    for resource in plan.graph.of_type(TYPE):
        problems = resource.data.get('problems') or []
        name = resource.name or resource.id
        if problems:
            results.append(Result(
                CATEGORY, name, FAILED,
                f'stack {name} cannot be adopted in the destination: ' +
                '; '.join(problems) + '. Overridden, its resources move '
                'without the stack'))
        elif resource.data.get('warnings'):
            results.append(Result(
                CATEGORY, name, WARNING,
                f'stack {name}: ' + '; '.join(resource.data['warnings'])))
        elif plan.action(resource.key) == 'create':
            results.append(Result(
                CATEGORY, name, PASSED,
                f'stack {name}: {len(resource.attrs.get("resources", {}))} '
                'resources, adopted by the destination\'s Heat'))
    return results
