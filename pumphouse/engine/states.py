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

"""The life of a migration as a state machine (automaton).

::

    planning -> planned -> running -> verifying -> completed
        |          |          |           |
        v          v          v           v
      failed   cancelled   failed /    failed
                           cancelled

A failed or cancelled migration can be started again (resumed), one that
failed while planning can be planned again, and a completed one can be
verified again.
"""

from automaton import exceptions as automaton_exc
from automaton import machines

from pumphouse.common import exception

PLANNING = 'planning'
PLANNED = 'planned'
RUNNING = 'running'
VERIFYING = 'verifying'
COMPLETED = 'completed'
FAILED = 'failed'
CANCELLED = 'cancelled'

STATES = (PLANNING, PLANNED, RUNNING, VERIFYING, COMPLETED, FAILED,
          CANCELLED)
#: States in which a conductor works on the migration.
ACTIVE_STATES = (PLANNING, RUNNING, VERIFYING)

_TRANSITIONS = {
    PLANNING: (PLANNED, FAILED),
    PLANNED: (RUNNING, CANCELLED),
    RUNNING: (VERIFYING, FAILED, CANCELLED),
    # verifying -> verifying: a verification interrupted by a crash.
    VERIFYING: (COMPLETED, FAILED, VERIFYING),
    COMPLETED: (VERIFYING,),
    FAILED: (RUNNING, VERIFYING, PLANNING),
    CANCELLED: (RUNNING,),
}


def _build() -> machines.FiniteMachine:
    machine = machines.FiniteMachine()
    for state in STATES:
        machine.add_state(state, terminal=False)
    for source, targets in _TRANSITIONS.items():
        for target in targets:
            machine.add_transition(source, target, target)
    machine.freeze()
    return machine


_MACHINE = _build()


def check(migration_uuid: str, current: str, target: str) -> None:
    """Raise InvalidStateTransition (409) unless current -> target."""
    machine = _MACHINE.copy()
    machine.initialize(current)
    try:
        machine.process_event(target)
    except (automaton_exc.NotFound, automaton_exc.InvalidState) as e:
        raise exception.InvalidStateTransition(
            migration=migration_uuid, state=current, target=target) from e
