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

"""The way of a host from the source cloud to the destination, as a state
machine (automaton).

::

    in_source -disable-> disabled -evacuate-> evacuated -remove-> removed
      -power-> powered -provision-> provisioning -join-> in_destination

``state`` is the last state a host reached; each step leads from one
state to the next. A failing step leaves the host ``failed`` with the step
recorded; asking for a target again resumes from that step. An evacuation
whose plan leaves servers on the host by the operator's choice ends
``disabled`` (its way stops there, with no target). ``enable``
brings a host that was only disabled or evacuated back into the source's
scheduling (its servers stay where they went).
"""

from automaton import exceptions as automaton_exc
from automaton import machines

from pumphouse.common import exception

IN_SOURCE = 'in_source'
DISABLED = 'disabled'
EVACUATED = 'evacuated'
REMOVED = 'removed'
POWERED = 'powered'
PROVISIONING = 'provisioning'
IN_DESTINATION = 'in_destination'
FAILED = 'failed'

#: The steps in order, each with the state it starts from and leads to.
STEPS = (
    ('disable', IN_SOURCE, DISABLED),
    ('evacuate', DISABLED, EVACUATED),
    ('remove', EVACUATED, REMOVED),
    ('power', REMOVED, POWERED),
    ('provision', POWERED, PROVISIONING),
    ('join', PROVISIONING, IN_DESTINATION),
)
#: The revert step: back into the source's scheduling.
ENABLE = 'enable'
ORDER = tuple(s for _step, s, _t in STEPS) + (IN_DESTINATION,)
STATES = ORDER + (FAILED,)
#: What an operator may ask for (``PUT /v1/hosts/{id}/state``).
TARGETS = (EVACUATED, IN_DESTINATION, IN_SOURCE)
#: The steps that can be reverted by ``enable`` when they failed.
_REVERTIBLE = ('disable', 'evacuate')

_FROM = {step: source for step, source, _target in STEPS}
_LEADS_TO = {step: target for step, _source, target in STEPS}


def _build() -> machines.FiniteMachine:
    machine = machines.FiniteMachine()
    for state in STATES:
        machine.add_state(state, terminal=False)
    for step, source, target in STEPS:
        machine.add_transition(source, target, step)
    for state in ORDER[:-1]:
        machine.add_transition(state, FAILED, 'fail')
    for step, source, _target in STEPS:
        machine.add_transition(FAILED, source, f'resume:{step}')
    machine.add_transition(DISABLED, IN_SOURCE, ENABLE)
    machine.add_transition(EVACUATED, IN_SOURCE, ENABLE)
    machine.add_transition(FAILED, IN_SOURCE, ENABLE)
    machine.freeze()
    return machine


_MACHINE = _build()


def step_from(state: str) -> str:
    """The step that leads on from ``state``."""
    for step, source, _target in STEPS:
        if source == state:
            return step
    raise ValueError(f'no step leads on from {state}')


def leads_to(step: str) -> str:
    """The state a step leads to."""
    return IN_SOURCE if step == ENABLE else _LEADS_TO[step]


def starts_from(step: str) -> str:
    """The state a step starts from."""
    return _FROM[step]


def advance(state: str, event: str) -> str:
    """The state ``event`` leads to from ``state``; ValueError if none."""
    machine = _MACHINE.copy()
    machine.initialize(state)
    try:
        machine.process_event(event)
    except (automaton_exc.NotFound, automaton_exc.InvalidState) as e:
        raise ValueError(f'{event} does not lead on from {state}') from e
    return machine.current_state


def position(state: str, failed_step: str | None = None) -> int:
    """Where a host is on its way (a failed one: where its step starts)."""
    if state == FAILED:
        return ORDER.index(_FROM[failed_step]) if failed_step else 0
    return ORDER.index(state)


def check_target(host: str, state: str, target: str,
                 failed_step: str | None = None) -> None:
    """Raise InvalidHostTransition (409) unless ``target`` can be reached
    from ``state`` (or from the failed step of a failed host)."""
    if target not in TARGETS:
        raise exception.Invalid(
            reason=f'target must be one of {", ".join(TARGETS)}')
    if target == IN_SOURCE:
        allowed = (state in (DISABLED, EVACUATED) or
                   (state == FAILED and failed_step in _REVERTIBLE))
    else:
        allowed = position(state, failed_step) < ORDER.index(target)
    if not allowed:
        shown = f'failed at {failed_step}' if state == FAILED else state
        raise exception.InvalidHostTransition(host=host, state=shown,
                                              target=target)


def evacuates(state: str, target: str,
              failed_step: str | None = None) -> bool:
    """Whether the way from ``state`` to ``target`` still has servers to
    move off the host (the evacuation plan is made for it)."""
    return (target in (EVACUATED, IN_DESTINATION) and
            position(state, failed_step) < ORDER.index(EVACUATED))


def next_step(state: str, target: str,
              failed_step: str | None = None) -> str | None:
    """The step to run next on the way to ``target``; None when there."""
    if target == IN_SOURCE:
        return None if state == IN_SOURCE else ENABLE
    if state == FAILED:
        return failed_step
    if ORDER.index(state) >= ORDER.index(target):
        return None
    return step_from(state)


#: States a host may be forgotten in without ``force``: not half-way.
FORGETTABLE = (IN_SOURCE, IN_DESTINATION, FAILED)
