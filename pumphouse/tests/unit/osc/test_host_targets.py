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

"""Giving a host a target and ``--wait``: a conductor working on a host
is played by callbacks that advance the host and append to its
operations log each time the host is read."""

from osc_lib import exceptions

from pumphouse.osc.v1 import host_evacuation
from pumphouse.osc.v1 import host_targets
from pumphouse.osc.v1 import wait
from pumphouse.tests.unit.osc import base

URL = base.URL
HOST = base.HOST
HOST_UUID = base.HOST_UUID


def operation(id_: int, step: str, state: str, message: str,
              level: str = 'INFO') -> dict:
    return {'id': id_, 'step': step, 'state': state, 'level': level,
            'message': message, 'conductor': 'conductor-1',
            'created_at': f't{id_}'}


class Conductor:
    """The host and its operations log as a conductor changes them: each
    read of the host takes it one step further along ``steps``."""

    def __init__(self, history: int, steps: list[tuple]) -> None:
        self.host = dict(HOST)
        self.operations = [operation(i + 1, 'disable', 'done', f'old {i}')
                           for i in range(history)]
        self.steps = list(steps)

    def put_state(self, request, context):
        context.status_code = 202
        self.host.update(target=request.json()['target'],
                         last_error=None)
        return self.host

    def get_host(self, request, context):
        if self.steps:
            changes, logged = self.steps.pop(0)
            self.host.update(changes)
            for args in logged:
                self.operations.append(operation(len(self.operations) + 1,
                                                 *args))
        return self.host

    def get_operations(self, request, context):
        after = int(request.qs.get('after', ['0'])[0])
        limit = 2  # small pages, to check they are all read
        return {'operations': [o for o in self.operations
                               if o['id'] > after][:limit]}


class TestTargets(base.HostTestCase):

    def serve(self, conductor: Conductor) -> None:
        by_name = f'{URL}/v1/hosts/compute-1'
        self.http.put(by_name + '/state', json=conductor.put_state)
        self.http.get(by_name + '/operations',
                      json=conductor.get_operations)
        self.http.get(f'{URL}/v1/hosts/{HOST_UUID}',
                      json=conductor.get_host)
        self.http.get(f'{URL}/v1/hosts/{HOST_UUID}/operations',
                      json=conductor.get_operations)

    def test_evacuate_without_wait_shows_the_accepted_host(self):
        conductor = Conductor(0, [])
        self.serve(conductor)
        shown = self.shown(self.run_command(host_evacuation.EvacuateHost,
                                            ['compute-1']))
        self.assertEqual({'target': 'evacuated'}, self.last_body())
        self.assertEqual('evacuated', shown['target'])
        self.assertEqual(['PUT'], [r.method for r in self.host_requests()])

    def test_to_destination(self):
        self.serve(Conductor(0, []))
        for cls, target in ((host_evacuation.EvacuateHost, 'evacuated'),
                            (host_evacuation.ReassignHost, 'in_destination')):
            self.run_command(cls, ['compute-1', '--to-destination'])
            self.assertEqual({'target': target, 'to_destination': True},
                             self.last_body())

    def test_enable(self):
        self.serve(Conductor(0, []))
        self.run_command(host_targets.EnableHost, ['compute-1'])
        self.assertEqual({'target': 'in_source'}, self.last_body())

    def test_wait_follows_the_operations_until_done(self):
        conductor = Conductor(3, [
            ({'state': 'in_source', 'conductor': 'conductor-1'}, []),
            ({'state': 'disabled'}, [
                ('disable', 'running', 'disable: started'),
                ('disable', 'done', 'disable: done, host is disabled')]),
            ({}, [('evacuate', 'running', 'evacuate: started'),
                  ('evacuate', 'info', 'live-migrating vm1 (a1b2)')]),
            ({'state': 'in_destination', 'target': None}, [
                ('join', 'done', 'join: done, host is in_destination'),
                ('done', 'done', 'compute-1 is in_destination')])])
        self.serve(conductor)
        shown = self.shown(self.run_command(host_evacuation.ReassignHost,
                                            ['compute-1', '--wait']))
        self.assertEqual('in_destination', shown['state'])
        self.assertEqual({'target': 'in_destination'},
                         next(r.json() for r in self.host_requests()
                              if r.method == 'PUT'))
        lines = self.app.stderr.getvalue().splitlines()
        bar = '[' + '#' * 5 + '.' * 25 + '] 1/6 disabled'
        self.assertEqual([
            't4 INFO    disable: disable: started',
            't5 INFO    disable: disable: done, host is disabled',
            bar,
            't6 INFO    evacuate: evacuate: started',
            't7 INFO    evacuate: live-migrating vm1 (a1b2)',
            't8 INFO    join: join: done, host is in_destination',
            't9 INFO    done: compute-1 is in_destination',
            '[' + '#' * 30 + '] 6/6 in_destination'], lines)
        # The history was read (in pages) before the state was set.
        methods = [r.method for r in self.host_requests()]
        self.assertEqual(['GET', 'GET', 'GET', 'PUT'], methods[:4])

    def test_wait_until_failed_is_an_error_with_the_step(self):
        conductor = Conductor(0, [
            ({}, [('disable', 'done', 'disable: done, host is disabled')]),
            ({'state': 'failed', 'target': None, 'failed_step': 'evacuate',
              'last_error': 'vm1 could not be live-migrated: no host'},
             [('evacuate', 'failed', 'vm1 could not be live-migrated: '
               'no host', 'ERROR')])])
        self.serve(conductor)
        error = self.assertRaises(exceptions.CommandError, self.run_command,
                                  host_evacuation.EvacuateHost,
                                  ['compute-1', '--wait'])
        self.assertEqual(
            'host compute-1 failed at step evacuate: vm1 could not be '
            'live-migrated: no host; run the same command again to resume '
            'at that step', str(error))
        self.assertIn('t2 ERROR   evacuate: vm1 could not be live-migrated',
                      self.app.stderr.getvalue())

    def test_wait_when_the_target_was_not_reached(self):
        conductor = Conductor(0, [
            ({'state': 'evacuated', 'target': None,
              'last_error': 'nova-compute is down'}, [])])
        self.serve(conductor)
        error = self.assertRaises(exceptions.CommandError, self.run_command,
                                  host_targets.EnableHost,
                                  ['compute-1', '--wait'])
        self.assertEqual('host compute-1 is evacuated, not in_source: '
                         'nova-compute is down', str(error))

    def test_wait_time_out(self):
        self.serve(Conductor(0, []))
        error = self.assertRaises(exceptions.CommandError, self.run_command,
                                  host_evacuation.EvacuateHost,
                                  ['compute-1', '--wait', '30'])
        self.assertEqual(
            'host compute-1 is still in_source on its way to evacuated '
            'after 30s; it goes on: watch it with "openstack migration host '
            'show compute-1"', str(error))
        self.assertEqual(30, sum(self.clock.slept))

    def test_a_bare_wait_has_no_time_out(self):
        # Polls for longer than the hour --wait once gave up after.
        self.patch(wait, 'POLL_INTERVAL', 100.0)
        polls = 40
        self.serve(Conductor(0, [({}, [])] * polls + [
            ({'state': 'in_source', 'target': None}, [])]))
        shown = self.shown(self.run_command(host_targets.EnableHost,
                                            ['compute-1', '--wait']))
        self.assertEqual('in_source', shown['state'])
        self.assertEqual([100.0] * polls, self.clock.slept)

    def test_the_deprecated_timeout_still_works(self):
        self.serve(Conductor(0, []))
        with self.assertLogs('pumphouse.osc.v1.wait', 'WARNING'):
            error = self.assertRaises(
                exceptions.CommandError, self.run_command,
                host_targets.EnableHost,
                ['compute-1', '--wait', '--timeout', '4'])
        self.assertIn('after 4s', str(error))

    def test_refused_target_is_one_line(self):
        self.http.get(f'{URL}/v1/hosts/compute-1/operations',
                      json={'operations': []})
        self.http.put(f'{URL}/v1/hosts/compute-1/state', status_code=409,
                      json={'error': {'code': 409, 'title': 'Conflict',
                                      'message': 'Host compute-1 is '
                                                 'in_destination, it cannot '
                                                 'go to evacuated.'}})
        error = self.assertRaises(exceptions.CommandError, self.run_command,
                                  host_evacuation.EvacuateHost,
                                  ['compute-1', '--wait'])
        self.assertEqual('Host compute-1 is in_destination, it cannot go '
                         'to evacuated. (HTTP 409)', str(error))


