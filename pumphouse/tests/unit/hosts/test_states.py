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

"""The host state machine."""

import pytest

from pumphouse.common import exception
from pumphouse.hosts import states


def test_steps_chain_from_in_source_to_in_destination():
    state = states.IN_SOURCE
    walked = []
    while state != states.IN_DESTINATION:
        step = states.next_step(state, states.IN_DESTINATION)
        walked.append(step)
        state = states.advance(state, step)
    assert walked == ['disable', 'evacuate', 'remove', 'power',
                      'provision', 'join']


def test_evacuated_target_stops_after_evacuate():
    assert states.next_step(states.DISABLED, states.EVACUATED) == 'evacuate'
    assert states.next_step(states.EVACUATED, states.EVACUATED) is None


def test_failed_resumes_at_the_failed_step():
    assert states.next_step(states.FAILED, states.IN_DESTINATION,
                            'power') == 'power'
    assert states.advance(states.FAILED, 'resume:power') == states.REMOVED


@pytest.mark.parametrize('state,failed,target', [
    (states.IN_SOURCE, None, states.EVACUATED),
    (states.DISABLED, None, states.IN_DESTINATION),
    (states.FAILED, 'evacuate', states.EVACUATED),
    (states.FAILED, 'join', states.IN_DESTINATION),
    (states.DISABLED, None, states.IN_SOURCE),
    (states.EVACUATED, None, states.IN_SOURCE),
    (states.FAILED, 'evacuate', states.IN_SOURCE),
])
def test_reachable_targets(state, failed, target):
    states.check_target('h1', state, target, failed)


@pytest.mark.parametrize('state,failed,target', [
    (states.EVACUATED, None, states.EVACUATED),
    (states.REMOVED, None, states.EVACUATED),
    (states.IN_DESTINATION, None, states.IN_DESTINATION),
    (states.FAILED, 'provision', states.EVACUATED),
    (states.REMOVED, None, states.IN_SOURCE),
    (states.FAILED, 'power', states.IN_SOURCE),
    (states.IN_SOURCE, None, states.IN_SOURCE),
])
def test_unreachable_targets_are_409(state, failed, target):
    with pytest.raises(exception.InvalidHostTransition) as caught:
        states.check_target('h1', state, target, failed)
    assert caught.value.code == 409
    assert 'h1' in str(caught.value)


def test_unknown_target_is_400():
    with pytest.raises(exception.Invalid):
        states.check_target('h1', states.IN_SOURCE, states.REMOVED)


def test_illegal_event_is_refused():
    with pytest.raises(ValueError):
        states.advance(states.IN_SOURCE, 'power')
