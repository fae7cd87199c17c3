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

"""``pumphouse host``: registering, showing and refusing, on the local
state (the steps themselves need clouds: functional tests)."""

import json
import os
from unittest import mock

from cryptography import fernet

from pumphouse.cli import errors
from pumphouse.common import cloud_config
from pumphouse.common import crypto
from pumphouse.conductor import task_manager
from pumphouse.conf import CONF
from pumphouse.db import api as db_api
from pumphouse.db import host_api
from pumphouse.db import owner_api
from pumphouse.hosts import flow
from pumphouse.hosts import nova
from pumphouse.hosts import plan_source
from pumphouse.hosts import states
from pumphouse.tests.unit.cli import test_commands
from pumphouse.tests.unit.conductor import test_migrations as work
from pumphouse.tests.unit.hosts import fake_nova

SECRET = 'bmc-pass-4f0c-never-printed'


class HostCommandTestCase(test_commands.CommandTestCase):

    def setUp(self):
        super().setUp()
        work.register_cloud('old')
        work.register_cloud('new')
        self.info_file = os.path.join(self.state_path, 'bmc.yaml')
        with open(self.info_file, 'w') as f:
            f.write(f'address: 127.0.0.1\nusername: admin\n'
                    f'password: {SECRET}\n')

    def register(self, *extra: str) -> int:
        return self.run_command(
            'host', 'register', 'compute-7', '--source', 'old',
            '--destination', 'new', '--power-driver', 'ipmi',
            '--power-info-file', self.info_file, '--power-info', 'port=6230',
            '--provision-driver', 'fake', '--mac', '52:54:00:AB:CD:EF',
            '--aggregate', 'reassigned', *extra)


class TestRegister(HostCommandTestCase):

    def test_register_then_show_and_list_without_the_secret(self):
        self.assertEqual(errors.OK, self.register(), self.stderr)
        host = host_api.get_host('compute-7')
        self.assertEqual(('ipmi', 'fake', ['52:54:00:ab:cd:ef']),
                         (host.power_driver, host.provision_driver,
                          host.macs))
        self.assertEqual(errors.OK, self.run_command(
            'host', 'show', 'compute-7', '--format', 'json'))
        self.assertEqual(errors.OK, self.run_command('host', 'list'))
        self.assertEqual(errors.OK, self.run_command('host', 'show',
                                                     'compute-7'))
        self.assertNotIn(SECRET, self.stdout + self.stderr)
        start = self.stdout.index('{')
        shown = json.loads(self.stdout[start:self.stdout.index('\n}\n') + 2])
        self.assertEqual({'address': '127.0.0.1', 'username': 'admin',
                          'port': 6230}, shown['power']['info'])
        self.assertEqual({'aggregate': 'reassigned'}, shown['options'])
        self.assertIn('compute-7', self.stdout)

    def test_undecryptable_info_is_marked_in_list_and_told_in_show(self):
        self.assertEqual(errors.OK, self.register(), self.stderr)
        with open(CONF.credentials.key_file, 'w') as f:
            f.write(fernet.Fernet.generate_key().decode() + '\n')
        crypto.reset_cache()
        self.assertEqual(errors.OK, self.run_command('host', 'list'))
        self.assertIn('in_source (info unreadable: see host show)',
                      self.stdout)
        self.assertEqual(errors.OK, self.run_command('host', 'show',
                                                     'compute-7'))
        self.assertIn('info_error:  The power and provision info of host '
                      'compute-7 cannot be decrypted', self.stdout)
        self.assertNotIn(CONF.credentials.key_file, self.stdout)

    def test_bad_info_is_a_usage_error_and_stores_nothing(self):
        self.assert_fails(errors.USAGE, '--power-info takes KEY=VALUE',
                          'host', 'register', 'compute-7', '--source', 'old',
                          '--power-driver', 'ipmi', '--power-info', 'oops')
        self.assert_fails(errors.USAGE, 'Invalid ipmi driver info',
                          'host', 'register', 'compute-7', '--source', 'old',
                          '--power-driver', 'ipmi', '--power-info',
                          'port=623')
        self.assert_fails(errors.USAGE, '--provision-info needs',
                          'host', 'register', 'compute-7', '--source', 'old',
                          '--provision-info', 'a=b')
        self.assert_fails(errors.USAGE, 'Cannot read power info file',
                          'host', 'register', 'compute-7', '--source', 'old',
                          '--power-driver', 'ipmi', '--power-info-file',
                          '/nonexistent/bmc.yaml')
        self.assertEqual([], host_api.list_hosts())

    def test_the_apis_schema_is_checked_and_nothing_stored(self):
        for argv, message in (
                (['a/b c'], "name: 'a/b c' is not valid"),
                (['x\n'], 'is not valid'),
                (['6f1b7a52-2c1f-4c43-9d55-0d5c1a3b5e11'],
                 'cannot be a UUID'),
                (['compute-7', '--mac', 'zz:zz'], "macs/0: 'zz:zz' does "
                                                  'not match'),
                (['compute-7', '--mac', '52:54:00:00:00:01\n'],
                 'does not match'),
                (['compute-7', '--aggregate', 'a\ud800'], 'surrogate')):
            with self.subTest(argv=argv):
                self.assert_fails(errors.USAGE, message, 'host', 'register',
                                  *argv, '--source', 'unknown-yet')
        self.assertEqual([], host_api.list_hosts())
        self.assertEqual(['new', 'old'], sorted(
            c.name for c in db_api.list_clouds()))

    def test_an_update_is_checked_too(self):
        self.assertEqual(errors.OK, self.register())
        self.assert_fails(errors.USAGE, "'zz:zz' does not match", 'host',
                          'register', 'compute-7', '--source', 'old',
                          '--mac', 'zz:zz')
        self.assertEqual(['52:54:00:ab:cd:ef'],
                         host_api.get_host('compute-7').macs)

    def test_evacuating_an_unregistered_bad_name_registers_nothing(self):
        self.assert_fails(errors.USAGE, 'is not valid', 'host', 'evacuate',
                          'a/b', '--source', 'old')
        self.assertEqual([], host_api.list_hosts())

    def test_registering_again_updates_what_is_given(self):
        self.assertEqual(errors.OK, self.run_command(
            'host', 'register', 'compute-7', '--source', 'old'))
        self.assertEqual(errors.OK, self.register())
        self.assertIn('Updated host compute-7', self.stdout)
        host = host_api.get_host('compute-7')
        self.assertEqual(('ipmi', 'fake', ['52:54:00:ab:cd:ef']),
                         (host.power_driver, host.provision_driver,
                          host.macs))
        self.assertEqual({'aggregate': 'reassigned'}, host.options)
        self.assertEqual(1, len(host_api.list_hosts()))


class TestRefusals(HostCommandTestCase):

    def test_illegal_target_is_refused_before_any_cloud(self):
        self.assertEqual(errors.OK, self.register())
        host_api.update_host('compute-7', {'state': states.IN_DESTINATION})
        self.assert_fails(errors.FAILED, 'cannot go to evacuated',
                          'host', 'evacuate', 'compute-7')
        self.assertIsNone(host_api.get_host('compute-7').target)

    def test_unknown_host_is_a_usage_error(self):
        self.assert_fails(errors.USAGE, 'could not be found', 'host',
                          'reassign', 'compute-9')

    def test_forget(self):
        self.assertEqual(errors.OK, self.register())
        self.assertEqual(errors.OK, self.run_command('host', 'forget',
                                                     'compute-7'))
        self.assertEqual([], host_api.list_hosts())

    def test_forget_half_way_needs_force(self):
        self.assertEqual(errors.OK, self.register())
        host_api.update_host('compute-7', {'state': states.POWERED})
        self.assert_fails(errors.FAILED, 'give force', 'host', 'forget',
                          'compute-7')
        self.assertEqual(errors.OK, self.run_command(
            'host', 'forget', 'compute-7', '--force'))
        self.assertEqual([], host_api.list_hosts())

    def test_the_command_owns_the_host_while_it_runs(self):
        """A conductor's take-over sees a live owner and leaves the host
        alone; the owner is gone when the command ends. The command is
        never taken for a conductor."""
        self.assertEqual(errors.OK, self.register())
        seen = []

        def run(uuid, conductor=None, emit=None, should_stop=None,
                run_migration=None):
            host = host_api.get_host(uuid)
            seen.append((host.owner, conductor,
                         conductor in owner_api.list_live_owners(),
                         owner_api.list_live_conductors(),
                         task_manager.takeable(task_manager.HOST,
                                               'conductor-x'),
                         should_stop(), run_migration is not None))
            return host_api.update_host(uuid, {'target': None,
                                               'state': states.EVACUATED})

        plan = {'host': 'compute-7', 'target': 'evacuated',
                'feasible': True, 'servers': [], 'hosts': []}
        with mock.patch.object(flow, 'run', run), \
                mock.patch.object(plan_source, 'make', return_value=plan):
            self.assertEqual(errors.OK, self.run_command(
                'host', 'evacuate', 'compute-7', '--yes'))
        [(owner, conductor, live, conductors, takeable, stop,
          runs_migrations)] = seen
        self.assertEqual((owner, True, [], [], False, True),
                         (conductor, live, conductors, takeable, stop,
                          runs_migrations))
        self.assertTrue(owner.startswith('cli-'))
        self.assertIsNone(host_api.get_host('compute-7').owner)
        self.assertNotIn(owner, owner_api.list_live_owners())


class PlanCommandTestCase(HostCommandTestCase):
    """The issue's anti-affinity pair in a fake source cloud."""

    def setUp(self):
        super().setUp()
        self.config(poll_interval=0.1, group='hosts')
        self.cloud = fake_nova.FakeCloud()
        for name in ('compute-7', 'compute-8', 'compute-9'):
            self.cloud.add_host(name)
        for patcher in (
                mock.patch.object(cloud_config, 'connect',
                                  lambda *a, **k: self.cloud),
                mock.patch.object(nova, 'compute_max_version',
                                  lambda conn: '2.96')):
            patcher.start()
            self.addCleanup(patcher.stop)
        self.assertEqual(errors.OK, self.register())
        # The anti-affinity pair, compute-9 disabled.
        self.cloud.hosts['compute-9']['service']['status'] = 'disabled'
        self.cloud.add_group('g', 'anti-affinity')
        self.cloud.add_server('a', 'compute-7', group='g')
        self.cloud.add_server('b', 'compute-8', group='g')
        self.cloud.add_server('c', 'compute-7', status='SHUTOFF')

    def changes(self):
        return [r for r in self.cloud.requests if r[1] != 'GET']


class TestEvacuationPlan(PlanCommandTestCase):
    """``host evacuate`` shows the plan first and goes ahead only when it
    lets every server off the host."""

    def test_dry_run_of_an_infeasible_plan_exits_1_with_the_reasons(self):
        self.assert_fails(errors.FAILED, 'Host compute-7 cannot be '
                          'evacuated: 1 server(s) cannot be moved: server '
                          'vm-a (a): no host can take it: compute-8: '
                          'ServerGroupAntiAffinity', 'host', 'evacuate',
                          'compute-7', '--dry-run')
        self.assertIn('Nothing was changed.', self.stderr)
        self.assertIn('server vm-a (a) ACTIVE: BLOCKED [group group-g: '
                      'anti-affinity]', self.stdout)
        self.assertIn('server vm-c (c) SHUTOFF: cold to compute-8',
                      self.stdout)
        self.assertIn('compute-9 (nova): out: HostDisabled', self.stdout)
        self.assertEqual([], self.changes())
        host = host_api.get_host('compute-7')
        self.assertEqual((states.IN_SOURCE, None, {}),
                         (host.state, host.target, host.evacuation_plan))

    def test_evacuate_refuses_before_anything_changes(self):
        self.assert_fails(errors.FAILED, 'ServerGroupAntiAffinity', 'host',
                          'evacuate', 'compute-7', '--yes')
        self.assertEqual([], self.changes())
        self.assertEqual('enabled',
                         self.cloud.hosts['compute-7']['service']['status'])
        self.assertIsNone(host_api.get_host('compute-7').target)

    def test_unattended_without_yes_shows_the_plan_and_is_refused(self):
        self.assert_fails(errors.USAGE, 'Add --yes to go ahead', 'host',
                          'evacuate', 'compute-7', '--leave', 'vm-a')
        self.assertIn('server vm-a (a) ACTIVE: left on the host (chosen)',
                      self.stdout)
        self.assertEqual([], self.changes())
        self.assertIsNone(host_api.get_host('compute-7').target)

    def test_dry_run_as_json_with_a_choice(self):
        self.assertEqual(errors.OK, self.run_command(
            'host', 'evacuate', 'compute-7', '--dry-run', '--format',
            'json', '--to-destination', 'vm-a'), self.stderr)
        plan = json.loads(self.stdout[self.stdout.index('{'):])
        self.assertEqual({'a': 'to_destination', 'c': 'move'},
                         {s['id']: s['action'] for s in plan['servers']})
        self.assertIn('Dry run: nothing was changed.', self.stderr)
        self.assertEqual({'aggregate': 'reassigned'},
                         host_api.get_host('compute-7').options)

    def test_leave_ends_disabled_and_the_plan_is_kept(self):
        self.assertEqual(errors.OK, self.run_command(
            'host', 'evacuate', 'compute-7', '--leave', 'vm-a', '--yes'),
            self.stderr)
        self.assertIn('Host compute-7 is disabled, not evacuated: servers '
                      'were left on it as chosen.', self.stdout)
        self.assertIn('[evacuate] server vm-c (c): cold-migrating to '
                      'compute-8', self.stdout)
        host = host_api.get_host('compute-7')
        self.assertEqual((states.DISABLED, {'vm-a': 'leave'}),
                         (host.state, host.options['evacuation_choices']))
        self.assertEqual(errors.OK, self.run_command(
            'host', 'plan', 'compute-7'))
        self.assertIn('server vm-a (a) ACTIVE: left on the host (chosen)',
                      self.stdout)
        self.assertEqual(errors.OK, self.run_command(
            'host', 'show', 'compute-7', '--format', 'json'))
        shown = json.loads(self.stdout[self.stdout.rindex('\n{\n') + 1:])
        self.assertEqual(host.evacuation_plan, shown['evacuation_plan'])

    def test_conflicting_choices_are_a_usage_error(self):
        self.assert_fails(errors.USAGE, 'server vm-a is given two choices',
                          'host', 'evacuate', 'compute-7', '--leave',
                          'vm-a', '--override', 'vm-a', '--dry-run')
        self.assert_fails(errors.USAGE, 'server vm-z is not on the host',
                          'host', 'evacuate', 'compute-7', '--leave',
                          'vm-z', '--dry-run')

    def test_no_plan_yet(self):
        self.assert_fails(errors.FAILED, 'has no evacuation plan yet',
                          'host', 'plan', 'compute-7')

    def test_to_destination_needs_a_destination_cloud(self):
        self.assertEqual(errors.OK, self.run_command(
            'host', 'register', 'compute-8', '--source', 'old'))
        self.assert_fails(errors.USAGE, 'give --destination CLOUD', 'host',
                          'evacuate', 'compute-8', '--to-destination',
                          'vm-b', '--dry-run')


class TestEvacuationConfirmed(PlanCommandTestCase):
    """On a terminal the plan is shown and the operator asked."""

    terminal = True
    answer = 'n\n'

    def test_no_changes_nothing(self):
        self.assert_fails(errors.FAILED, 'Nothing was changed.', 'host',
                          'evacuate', 'compute-7', '--leave', 'vm-a')
        self.assertIn('Disable host compute-7 and move 1 server(s) off it '
                      'as planned? [y/N]', self.stdout)
        self.assertEqual([], self.changes())


class TestEvacuationAccepted(PlanCommandTestCase):

    terminal = True
    answer = 'y\n'

    def test_yes_goes_ahead(self):
        self.assertEqual(errors.OK, self.run_command(
            'host', 'evacuate', 'compute-7', '--leave', 'vm-a'),
            self.stderr)
        self.assertEqual(states.DISABLED,
                         host_api.get_host('compute-7').state)
