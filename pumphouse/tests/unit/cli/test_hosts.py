"""``pumphouse host``: registering, showing and refusing, on the local
state (the steps themselves need clouds: functional tests)."""

import json
import os
from unittest import mock

from pumphouse.cli import errors
from pumphouse.conductor import task_manager
from pumphouse.db import host_api
from pumphouse.db import owner_api
from pumphouse.hosts import flow
from pumphouse.hosts import states
from pumphouse.tests.unit.cli import test_commands
from pumphouse.tests.unit.conductor import test_migrations as work

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

        with mock.patch.object(flow, 'run', run):
            self.assertEqual(errors.OK, self.run_command(
                'host', 'evacuate', 'compute-7'))
        [(owner, conductor, live, conductors, takeable, stop,
          runs_migrations)] = seen
        self.assertEqual((owner, True, [], [], False, True),
                         (conductor, live, conductors, takeable, stop,
                          runs_migrations))
        self.assertTrue(owner.startswith('cli-'))
        self.assertIsNone(host_api.get_host('compute-7').owner)
        self.assertNotIn(owner, owner_api.list_live_owners())
