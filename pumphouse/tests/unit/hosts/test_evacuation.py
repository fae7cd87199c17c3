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

"""A host's evacuation against a fake source cloud (:mod:`fake_nova`): the
plan read from the cloud, made before the host is disabled and stored,
followed by the evacuation and by whoever resumes it; a plan that leaves a
server without a way off stops everything before the host is disabled;
Nova's refusals are told with Nova's reasons."""

from unittest import mock

from pumphouse.common import cloud_config
from pumphouse.common import exception
from pumphouse.db import host_api
from pumphouse.db import migration_api
from pumphouse.engine import states as migration_states
from pumphouse.hosts import evacuation_plan as plan_mod
from pumphouse.hosts import flow
from pumphouse.hosts import inventory
from pumphouse.hosts import nova
from pumphouse.hosts import plan_source
from pumphouse.hosts import states
from pumphouse.tests import base
from pumphouse.tests.unit.conductor import test_migrations as work
from pumphouse.tests.unit.hosts import fake_nova


class EvacuationTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.config(poll_interval=0.1, group='hosts')
        work.register_cloud('src')
        work.register_cloud('dst')
        self.cloud = fake_nova.FakeCloud()
        for name in ('compute-1', 'compute-2', 'compute-3'):
            self.cloud.add_host(name)
        self.patch(cloud_config, 'connect', lambda *a, **k: self.cloud)
        self.patch(nova, 'compute_max_version', lambda conn: '2.96')
        self.host = inventory.register({
            'name': 'compute-1', 'source': 'src', 'destination': 'dst',
            'power': {'driver': 'fake', 'info': {'id': 'm1'}},
            'provision': {'driver': 'fake', 'info': {}}})
        self.migrated = []

    def patch(self, obj, name, value):
        patcher = mock.patch.object(obj, name, value)
        patcher.start()
        self.addCleanup(patcher.stop)

    def run_migration(self, uuid):
        """The migration of servers to the destination, as its cutover
        leaves the source: the servers are gone."""
        migration = migration_api.get_migration(uuid)
        workload = migration.workload['workload']
        self.migrated.append(workload)
        for ident, server in list(self.cloud.servers.items()):
            if ident in workload['names'] or (
                    workload['kind'] == 'host' and
                    server['OS-EXT-SRV-ATTR:host'] in workload['names']):
                del self.cloud.servers[ident]
        migration_api.update_migration(uuid, {
            'state': migration_states.COMPLETED})

    def evacuate(self, target=states.EVACUATED, **values):
        flow.request(self.host.uuid, target, values=values or None)
        return flow.run(self.host.uuid, conductor='c1',
                        run_migration=self.run_migration)

    def where(self) -> dict:
        return {i: s['OS-EXT-SRV-ATTR:host']
                for i, s in self.cloud.servers.items()}

    def service_status(self, name='compute-1') -> str:
        return self.cloud.hosts[name]['service']['status']

    def log(self, host=None):
        return [(o.step, o.state) for o in host_api.list_operations(
            (host or self.host).id) if o.state != 'info']

    def anti_affinity_of_the_issue(self):
        """One member of an anti-affinity group on the evacuated host, the
        other on the only other enabled host."""
        self.cloud.hosts['compute-3']['service']['status'] = 'disabled'
        self.cloud.add_group('g', 'anti-affinity')
        self.cloud.add_server('a', 'compute-1', group='g')
        self.cloud.add_server('b', 'compute-2', group='g')
        self.cloud.add_server('c', 'compute-1', memory=256)


class TestFacts(EvacuationTestCase):

    def test_facts_read_from_the_source(self):
        self.cloud.hosts['compute-3']['service'].update(
            status='disabled', disabled_reason='maintenance')
        self.cloud.add_group('g', 'anti-affinity', max_server_per_host=2)
        self.cloud.add_server('a', 'compute-1', vcpu=2, memory=1024,
                              disk=10, group='g', volumes=['v1'],
                              pinned_availability_zone='az1')
        self.cloud.add_server('b', 'compute-2', group='g')
        self.cloud.volumes['v1'] = {'id': 'v1', 'status': 'in-use',
                                    'multiattach': False}
        other = inventory.register({'name': 'compute-2', 'source': 'src'})
        host_api.update_host(other.uuid, {'state': states.DISABLED})
        facts = plan_source.gather(self.cloud, 'compute-1',
                                   plan_source.handed_over(self.host))
        [server] = facts['servers']
        self.assertEqual({
            'id': 'a', 'name': 'vm-a', 'status': 'ACTIVE',
            'task_state': None,
            'resources': {'VCPU': 2, 'MEMORY_MB': 1024, 'DISK_GB': 10},
            'availability_zone': 'az1', 'availability_zone_pinned': True,
            'volumes': [{'id': 'v1', 'status': 'in-use',
                         'multiattach': False}],
            'notes': [], 'group': 'g'}, server)
        self.assertEqual({'g': {
            'id': 'g', 'name': 'group-g', 'policy': 'anti-affinity',
            'rules': {'max_server_per_host': 2},
            'members': {'a': 'compute-1', 'b': 'compute-2'},
            'names': {'a': 'vm-a', 'b': 'vm-b'}}}, facts['groups'])
        hosts = {h['name']: h for h in facts['hosts']}
        self.assertEqual(['compute-2', 'compute-3'], sorted(hosts))
        self.assertEqual('disabled', hosts['compute-2']['handed_over'])
        # Capacity is read only where a server could go.
        self.assertEqual([], hosts['compute-2']['providers'])
        self.assertEqual([], hosts['compute-3']['providers'])
        self.assertEqual('maintenance',
                         hosts['compute-3']['disabled_reason'])
        pinned = [r for r in self.cloud.requests
                  if r[2] == '/servers/detail']
        self.assertEqual('2.96', pinned[0][5])

    def test_capacity_of_usable_hosts_and_zone_before_2_96(self):
        self.patch(nova, 'compute_max_version', lambda conn: '2.79')
        self.cloud.add_server('a', 'compute-1')
        self.cloud.add_server('x', 'compute-2', memory=2048)
        facts = plan_source.gather(self.cloud, 'compute-1')
        [server] = facts['servers']
        self.assertEqual(('nova', False),
                         (server['availability_zone'],
                          server['availability_zone_pinned']))
        [provider] = next(h for h in facts['hosts']
                          if h['name'] == 'compute-2')['providers']
        self.assertEqual({'VCPU': 1, 'MEMORY_MB': 2048, 'DISK_GB': 1},
                         provider['usages'])
        self.assertEqual(8192, provider['inventories']['MEMORY_MB']['total'])

    def test_flavor_counts_when_placement_has_no_allocation(self):
        self.cloud.add_server('a', 'compute-1', vcpu=2, memory=300, disk=5)
        self.cloud._allocations = lambda *a: fake_nova.Response(
            200, {'allocations': {}})
        [server] = plan_source.gather(self.cloud, 'compute-1')['servers']
        self.assertEqual({'VCPU': 2, 'MEMORY_MB': 300, 'DISK_GB': 5},
                         server['resources'])
        self.assertIn('its flavor counts', server['notes'][0])

    def test_an_unknown_host_is_invalid(self):
        self.assertRaises(exception.Invalid, plan_source.gather,
                          self.cloud, 'compute-9')

    def test_choices_by_name_or_id(self):
        self.cloud.add_server('a', 'compute-1')
        self.cloud.add_server('b', 'compute-1')
        plan = plan_source.make(self.host, {'vm-a': 'leave',
                                            'b': 'override'})
        self.assertEqual({'a': 'leave', 'b': 'override'},
                         {s['id']: s['action'] for s in plan['servers']})
        error = self.assertRaises(exception.Invalid, plan_source.make,
                                  self.host, {'vm-z': 'leave'})
        self.assertIn('server vm-z is not on the host', str(error))
        self.assertRaises(exception.Invalid, plan_source.make, self.host,
                          {'a': 'later'})
        self.cloud.add_server('a2', 'compute-1', name='vm-a')
        error = self.assertRaises(exception.Invalid, plan_source.make,
                                  self.host, {'vm-a': 'leave'})
        self.assertIn('2 servers on the host are named vm-a', str(error))

    def test_a_resumed_evacuation_forgets_choices_of_servers_gone(self):
        host_api.update_host(self.host.uuid, {'state': states.DISABLED})
        plan = plan_source.make(host_api.get_host(self.host.uuid),
                                {'gone': 'leave'})
        self.assertEqual(['the choice leave for server gone no longer '
                          'applies: it is not on the host'], plan['notes'])


class TestEvacuation(EvacuationTestCase):

    def test_every_server_goes_where_the_stored_plan_says(self):
        self.cloud.add_server('big', 'compute-1', memory=6144)
        self.cloud.add_server('small', 'compute-1', memory=1024)
        self.cloud.add_server('off', 'compute-1', status='SHUTOFF',
                              memory=512)
        self.cloud.add_server('x', 'compute-3', memory=4096)
        host = self.evacuate()
        self.assertEqual((states.EVACUATED, None, None),
                         (host.state, host.target, host.last_error))
        plan = host.evacuation_plan
        self.assertTrue(plan['feasible'])
        targets = {s['id']: s['target'] for s in plan['servers']}
        # The big one takes compute-2 (8 GB free); compute-3 then has the
        # most free memory left for the others.
        self.assertEqual({'big': 'compute-2', 'small': 'compute-3',
                          'off': 'compute-3'}, targets)
        self.assertEqual(dict(targets, x='compute-3'), self.where())
        self.assertEqual('SHUTOFF', self.cloud.servers['off']['status'])
        self.assertEqual('disabled', self.service_status())
        moves = [r for r in self.cloud.requests
                 if r[1] == 'POST' and r[2].endswith('/action')]
        self.assertIn({'os-migrateLive': {'host': 'compute-2',
                                          'block_migration': 'auto'}},
                      [r[4] for r in moves])
        self.assertIn({'migrate': {'host': 'compute-3'}},
                      [r[4] for r in moves])
        self.assertEqual([('disable', 'running'), ('disable', 'done'),
                          ('evacuate', 'running'), ('evacuate', 'done'),
                          ('done', 'done')], self.log())
        messages = [o.message for o in host_api.list_operations(host.id)]
        self.assertIn('evacuation plan of compute-1: 3 to other source '
                      'hosts', messages)
        self.assertIn('server vm-big (big), ACTIVE: live to compute-2',
                      messages)

    def test_a_server_nova_lists_as_deleted_is_not_on_the_host(self):
        # Nova lists a server it has just deleted (a cut-over one) until
        # its record goes: it holds neither the plan nor the last check.
        self.cloud.add_server('gone', 'compute-1', status='DELETED')
        self.cloud.add_server('small', 'compute-1', memory=1024)
        host = self.evacuate()
        self.assertEqual((states.EVACUATED, None), (host.state,
                                                    host.last_error))
        self.assertEqual(['small'], [s['id'] for s in
                                     host.evacuation_plan['servers']])
        self.assertEqual('compute-1', self.where()['gone'])

    def test_the_issue_stops_before_the_host_is_disabled(self):
        self.anti_affinity_of_the_issue()
        error = self.assertRaises(exception.EvacuationInfeasible,
                                  self.evacuate)
        message = str(error)
        self.assertIn('Host compute-1 cannot be evacuated: 1 server(s) '
                      'cannot be moved: server vm-a (a)', message)
        self.assertIn('compute-2: ServerGroupAntiAffinity', message)
        self.assertIn('compute-3: HostDisabled', message)
        host = host_api.get_host(self.host.uuid)
        self.assertEqual((states.IN_SOURCE, None, None),
                         (host.state, host.target, host.failed_step))
        self.assertEqual(message, host.last_error)
        # Nothing changed in the source.
        self.assertEqual('enabled', self.service_status())
        self.assertEqual({'a': 'compute-1', 'b': 'compute-2',
                          'c': 'compute-1'}, self.where())
        self.assertEqual([], [r for r in self.cloud.requests
                              if r[1] != 'GET'])
        # The plan is kept to be shown.
        self.assertFalse(host.evacuation_plan['feasible'])
        self.assertEqual([('disable', 'running'), ('disable', 'failed')],
                         self.log())
        failed = [o for o in host_api.list_operations(host.id)
                  if o.state == 'failed']
        self.assertTrue(failed[0].message.endswith(
            '; the host stays in_source'))

    def test_to_destination_for_the_blocked_server_only(self):
        self.anti_affinity_of_the_issue()
        options = dict(self.host.options or {}, evacuation_choices={
            'vm-a': 'to_destination'})
        host = self.evacuate(options=options)
        self.assertEqual(states.EVACUATED, host.state)
        self.assertEqual([{'kind': 'server', 'names': ['a']}],
                         self.migrated)
        self.assertEqual({'b': 'compute-2', 'c': 'compute-2'}, self.where())
        self.assertIsNone(host.options['evacuation_migration'])
        self.assertEqual({'a': 'to_destination', 'c': 'move'},
                         {s['id']: s['action']
                          for s in host.evacuation_plan['servers']})

    def test_every_server_to_destination_is_the_host_workload(self):
        self.cloud.add_server('a', 'compute-1')
        options = dict(self.host.options or {}, to_destination=True)
        host = self.evacuate(options=options)
        self.assertEqual(states.EVACUATED, host.state)
        self.assertEqual([{'kind': 'host', 'names': ['compute-1']}],
                         self.migrated)

    def test_leaving_a_server_ends_the_host_disabled(self):
        self.anti_affinity_of_the_issue()
        options = dict(self.host.options or {}, evacuation_choices={
            'a': 'leave'})
        host = self.evacuate(options=options)
        self.assertEqual((states.DISABLED, None, None),
                         (host.state, host.target, host.last_error))
        self.assertEqual({'a': 'compute-1', 'b': 'compute-2',
                          'c': 'compute-2'}, self.where())
        self.assertEqual('disabled', self.service_status())
        done = [o.message for o in host_api.list_operations(host.id)
                if o.step == 'evacuate' and o.state == 'done']
        self.assertEqual(['evacuate: done, host stays disabled: 1 '
                          'server(s) left on the host as chosen: server '
                          'vm-a (a)'], done)
        # Reassigning it must empty it: the kept choice blocks that.
        self.assertRaises(exception.EvacuationInfeasible, self.evacuate,
                          target=states.IN_DESTINATION)
        host = host_api.get_host(self.host.uuid)
        self.assertEqual((states.DISABLED, None), (host.state, host.target))
        self.assertIn('the host goes to in_destination', host.last_error)

    def test_override_lets_the_scheduler_try(self):
        self.anti_affinity_of_the_issue()
        options = dict(self.host.options or {}, evacuation_choices={
            'a': 'override'})
        # The fake scheduler ignores groups: it takes compute-2.
        host = self.evacuate(options=options)
        self.assertEqual(states.EVACUATED, host.state)
        live = [r[4] for r in self.cloud.requests
                if r[2] == '/servers/a/action']
        self.assertEqual([{'os-migrateLive': {'host': None,
                                              'block_migration': 'auto'}}],
                         live)

    def test_a_refused_move_says_what_nova_recorded(self):
        self.cloud.add_server('a', 'compute-1')
        self.cloud.hosts['compute-3']['service']['status'] = 'disabled'
        self.cloud.refuse.add('compute-2')
        error = self.assertRaises(exception.HostStepFailed, self.evacuate)
        host = host_api.get_host(self.host.uuid)
        self.assertEqual((states.FAILED, 'evacuate'),
                         (host.state, host.failed_step))
        reason = host.last_error
        self.assertEqual(1, str(error).count('Step evacuate of host '
                                             'compute-1 failed:'))
        self.assertNotIn('Step evacuate', reason)
        self.assertTrue(reason.startswith(
            'server vm-a (a) could not be cold-migrated to compute-2: the '
            'cold migration ended error; migrate conductor_migrate_server: '
            + fake_nova.NO_VALID_HOST), reason)
        warning = [o.message for o in host_api.list_operations(host.id)
                   if o.level == 'WARNING']
        self.assertIn('could not be live-migrated to compute-2 (the '
                      'live migration ended error; live-migration '
                      'conductor_live_migrate_instance: '
                      + fake_nova.NO_VALID_HOST + '); cold-migrating it '
                      'instead', warning[0])
        self.assertNotIn('see the', reason)

    def test_the_last_line_of_a_traceback_before_2_84(self):
        self.cloud.add_server('a', 'compute-1')
        self.cloud.refuse.add('compute-2')
        self.cloud.hosts['compute-3']['service']['status'] = 'disabled'
        self.evacuate_refused_without_details()
        reason = host_api.get_host(self.host.uuid).last_error
        self.assertIn('conductor_migrate_server: NoValidHost: '
                      + fake_nova.NO_VALID_HOST, reason)

    def evacuate_refused_without_details(self):
        record = self.cloud._record

        def without_details(server, action, events):
            record(server, action, [{k: v for k, v in e.items()
                                     if k != 'details'} for e in events])
        self.cloud._record = without_details
        self.assertRaises(exception.HostStepFailed, self.evacuate)

    def test_nova_recorded_nothing(self):
        self.cloud.add_server('a', 'compute-1', status='SHUTOFF')
        self.cloud.hosts['compute-3']['service']['status'] = 'disabled'
        self.cloud.refuse.add('compute-2')
        self.cloud._record = lambda *a: None
        self.assertRaises(exception.HostStepFailed, self.evacuate)
        self.assertIn('Nova recorded no reason with the server',
                      host_api.get_host(self.host.uuid).last_error)


class TestResume(EvacuationTestCase):

    def test_a_take_over_follows_the_stored_plan(self):
        """The owner died in evacuate: whoever goes on follows the plan
        stored with the host and reads no new one."""
        self.cloud.add_server('a', 'compute-1')
        self.cloud.add_server('b', 'compute-1')
        plan = plan_source.make(self.host)
        # As planned then (unlike what a new plan would say now).
        for server in plan['servers']:
            server['target'] = 'compute-3'
        flow.request(self.host.uuid, states.EVACUATED,
                     values={'evacuation_plan': plan})
        host_api.update_host(self.host.uuid, {'state': states.DISABLED})
        self.cloud.hosts['compute-1']['service']['status'] = 'disabled'
        self.patch(plan_source, 'gather', mock.Mock(
            side_effect=AssertionError('a new plan was made')))
        host = flow.run(self.host.uuid, conductor='c2')
        self.assertEqual(states.EVACUATED, host.state)
        self.assertEqual({'a': 'compute-3', 'b': 'compute-3'}, self.where())

    def test_a_new_request_makes_a_new_plan_and_keeps_the_choices(self):
        self.cloud.add_server('a', 'compute-1')
        self.cloud.add_server('b', 'compute-1', status='ERROR')
        options = dict(self.host.options or {},
                       evacuation_choices={'b': 'leave'})
        self.cloud.refuse.update({'compute-2', 'compute-3'})
        self.assertRaises(exception.HostStepFailed, self.evacuate,
                          options=options)
        first = host_api.get_host(self.host.uuid)
        self.assertEqual((states.FAILED, 'evacuate'),
                         (first.state, first.failed_step))
        self.cloud.refuse.clear()
        # Asked again without choices: the plan is made anew (the stored
        # one would not do), with the choices kept.
        host = self.evacuate()
        self.assertEqual((states.DISABLED, None), (host.state, host.target))
        self.assertNotEqual(first.evacuation_plan['created_at'],
                            host.evacuation_plan['created_at'])
        self.assertEqual({'a': 'move', 'b': 'leave'},
                         {s['id']: s['action']
                          for s in host.evacuation_plan['servers']})
        self.assertEqual([('disable', 'running'), ('disable', 'done'),
                          ('evacuate', 'running'), ('evacuate', 'failed'),
                          ('evacuate', 'running'), ('evacuate', 'done')],
                         self.log())

    def test_a_server_that_came_after_the_plan(self):
        self.cloud.add_server('a', 'compute-1')
        flow.request(self.host.uuid, states.EVACUATED,
                     values={'evacuation_plan': plan_source.make(
                         self.host)})
        self.cloud.add_server('late', 'compute-1')
        self.assertRaises(exception.HostStepFailed, flow.run,
                          self.host.uuid)
        self.assertIn('1 server(s) came onto the host after its evacuation '
                      'plan was made: server vm-late (late)',
                      host_api.get_host(self.host.uuid).last_error)

    def test_request_keeps_a_plan_it_is_given_only(self):
        self.cloud.add_server('a', 'compute-1')
        plan = plan_source.make(self.host)
        host = flow.request(self.host.uuid, states.EVACUATED,
                            values={'evacuation_plan': plan})
        self.assertEqual(plan, host.evacuation_plan)
        host_api.update_host(self.host.uuid, {'target': None})
        host = flow.request(self.host.uuid, states.EVACUATED)
        self.assertIsNone(host.evacuation_plan)
        # Past the evacuation a request leaves the plan alone.
        host_api.update_host(self.host.uuid, {
            'target': None, 'state': states.EVACUATED,
            'evacuation_plan': plan})
        host = flow.request(self.host.uuid, states.IN_SOURCE)
        self.assertEqual(plan, host.evacuation_plan)
        self.assertEqual(plan_mod.MOVE, plan['servers'][0]['action'])


class TestNoCompute(EvacuationTestCase):

    def test_a_host_the_source_does_not_know_fails_its_first_step(self):
        del self.cloud.hosts['compute-1']
        self.assertRaises(exception.HostStepFailed, self.evacuate)
        host = host_api.get_host(self.host.uuid)
        self.assertEqual((states.FAILED, 'disable'),
                         (host.state, host.failed_step))
        self.assertEqual('the source cloud has no nova-compute service on '
                         'host compute-1', host.last_error)

    def test_a_choice_for_no_server_of_the_host_changes_nothing(self):
        self.cloud.add_server('a', 'compute-1')
        options = dict(self.host.options or {},
                       evacuation_choices={'vm-z': 'leave'})
        self.assertRaises(exception.EvacuationInfeasible, self.evacuate,
                          options=options)
        host = host_api.get_host(self.host.uuid)
        self.assertEqual((states.IN_SOURCE, None),
                         (host.state, host.target))
        self.assertIn('server vm-z is not on the host', host.last_error)

    def test_a_choice_for_the_destination_needs_a_destination_cloud(self):
        bare = inventory.register({'name': 'compute-2', 'source': 'src'})
        for options in ({'evacuation_choices': {'a': 'to_destination'}},
                        {'to_destination': True}):
            error = self.assertRaises(
                exception.Invalid, flow.request, bare.uuid,
                states.EVACUATED, values={'options': options})
            self.assertIn('has no destination cloud', str(error))
        # Given with the request, it will do.
        destination = host_api.get_host(self.host.uuid).destination_cloud_id
        host = flow.request(bare.uuid, states.EVACUATED, values={
            'options': {'to_destination': True},
            'destination_cloud_id': destination})
        self.assertEqual(states.EVACUATED, host.target)
