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

"""Quiescing a source server for its volumes, bringing it back when its
item is blocked, and the boot user's domain and role, on a fake Nova and
Keystone."""

import types
from unittest import mock

from openstack import exceptions as sdk_exc
from oslo_config import fixture as config_fixture
from oslotest import base

from pumphouse.conf import CONF
from pumphouse.drivers.resources.compute import server as server_mod
from pumphouse.drivers.resources.compute import server_boot
from pumphouse.drivers.resources.compute import server_quiesce
from pumphouse.drivers.resources.compute import server_state
from pumphouse.drivers.resources.volume import datapath
from pumphouse.engine import resource as res
from pumphouse.tests.unit.drivers import fakes


class FakeNova:
    """Servers by id; suspend, stop, resume and start change the status
    at once and are counted."""

    def __init__(self, **statuses) -> None:
        self.statuses = dict(statuses)
        self.actions: list[tuple[str, str]] = []

    def get_server(self, server_id):
        if server_id not in self.statuses:
            raise sdk_exc.NotFoundException(server_id)
        return types.SimpleNamespace(id=server_id,
                                     status=self.statuses[server_id],
                                     task_state=None)

    def _act(self, action, server_id, status):
        self.actions.append((action, server_id))
        self.statuses[server_id] = status

    def suspend_server(self, server_id):
        self._act('suspend', server_id, 'SUSPENDED')

    def stop_server(self, server_id):
        self._act('stop', server_id, 'SHUTOFF')

    def resume_server(self, server_id):
        self._act('resume', server_id, 'ACTIVE')

    def start_server(self, server_id):
        self._act('start', server_id, 'ACTIVE')


def context(nova, planned=(), copied=None, **options) -> fakes.FakeContext:
    """A context over the source ``nova`` whose run is to create the
    servers ``planned`` and whose items created the volume copies
    ``copied`` (destination ids by key)."""
    return fakes.FakeContext(types.SimpleNamespace(compute=nova),
                             options=options, planned=planned,
                             created=copied)


def server(server_id='s1', status='ACTIVE', volumes=()):
    devices = [{'volume': res.ref('volume.volume', v), 'boot_index': None,
                'device': None, 'delete_on_termination': False}
               for v in volumes]
    return res.Resource('compute.server', server_id, f'web-{server_id}',
                        {'block_devices': devices},
                        data={'status': status})


class TestQuiesceAhead(base.BaseTestCase):

    def test_a_server_this_run_migrates_is_quiesced_once(self):
        nova = FakeNova(s1='ACTIVE')
        ctx = context(nova, [server()])
        self.assertTrue(server_quiesce.quiesce_ahead(ctx, 's1'))
        # A second volume of the server, then the server's own item.
        self.assertTrue(server_quiesce.quiesce_ahead(ctx, 's1'))
        self.assertEqual('ACTIVE', server_quiesce.quiesce(ctx, server()))
        self.assertEqual([('suspend', 's1')], nova.actions)
        self.assertEqual([('quiesced',
                           'compute.server web-s1: suspended in the '
                           'source', 'INFO', None)], ctx.events)

    def test_stop_mode(self):
        nova = FakeNova(s1='ACTIVE')
        ctx = context(nova, [server()], server_stop_mode='stop')
        self.assertTrue(server_quiesce.quiesce_ahead(ctx, 's1'))
        self.assertEqual([('stop', 's1')], nova.actions)

    def test_a_server_not_migrated_now_keeps_running(self):
        nova = FakeNova(s1='ACTIVE', s2='SHUTOFF')
        ctx = context(nova)
        self.assertFalse(server_quiesce.quiesce_ahead(ctx, 's1'))
        self.assertTrue(server_quiesce.quiesce_ahead(ctx, 's2'))
        self.assertTrue(server_quiesce.quiesce_ahead(ctx, 'gone'))
        self.assertEqual([], nova.actions)

    def test_a_server_started_since_it_was_planned_keeps_running(self):
        # Its item would not count it as quiesced by Pumphouse.
        nova = FakeNova(s1='ACTIVE')
        ctx = context(nova, [server(status='SHUTOFF')])
        self.assertFalse(server_quiesce.quiesce_ahead(ctx, 's1'))
        self.assertEqual([], nova.actions)


class TestQuiesceAfterALostAnswer(base.BaseTestCase):
    """An earlier attempt's suspend whose answer a transient fault lost
    is under way when the next attempt comes: it is waited for, not sent
    again (Nova would answer 409)."""

    def test_the_suspend_under_way_is_waited_for(self):
        nova = FakeNova(s1='SUSPENDED')
        seen = iter(['suspending', 'suspending', None])
        plain = nova.get_server

        def get_server(server_id):
            found = plain(server_id)
            found.task_state = next(seen, None)
            return found

        nova.get_server = get_server
        ctx = context(nova, [server()])
        with mock.patch.object(server_state.time, 'sleep'):
            self.assertEqual('ACTIVE', server_quiesce.quiesce(ctx, server()))
        self.assertEqual([], nova.actions)


class TestVolumeCopyQuiesces(base.BaseTestCase):

    def test_attached_servers_are_quiesced_or_warned_about(self):
        nova = FakeNova(s1='ACTIVE', s2='ACTIVE')
        ctx = context(nova, [server('s1')])
        volume = types.SimpleNamespace(id='v1', attachments=[
            {'server_id': 's1'}, {'server_id': 's2'}])
        datapath.quiesce_servers(ctx, volume)
        self.assertEqual([('suspend', 's1')], nova.actions)
        [warning] = [e for e in ctx.events if e.level == 'WARNING']
        self.assertIn('server s2', warning.message)
        self.assertIn('crash-consistent', warning.message)

    def test_detached_volume_quiesces_nothing(self):
        ctx = context(FakeNova())
        datapath.quiesce_servers(ctx, types.SimpleNamespace(
            id='v1', attachments=[]))
        self.assertEqual([], ctx.events)


class TestAbandon(base.BaseTestCase):

    def test_a_blocked_server_quiesced_for_its_volumes_runs_again(self):
        nova = FakeNova(s1='ACTIVE')
        ctx = context(nova, [server()])
        server_quiesce.quiesce_ahead(ctx, 's1')
        server_mod.ServerDriver().abandon(ctx, server())
        self.assertEqual('ACTIVE', nova.statuses['s1'])
        self.assertEqual([('suspend', 's1'), ('resume', 's1')],
                         nova.actions)
        self.assertEqual('restored', ctx.events[-1].event_type)

    def test_copies_this_migration_made_are_removed_and_reported(self):
        nova = FakeNova(s1='SUSPENDED')
        # v2 is not a copy this migration made (reused, or not copied).
        ctx = context(nova, copied={('volume.volume', 'v1'): 'd1',
                                    ('volume.volume', 'v3'): 'd3'})
        with mock.patch.object(datapath, 'remove_copy') as remove:
            server_mod.ServerDriver().abandon(
                ctx, server(volumes=('v1', 'v2', 'v3')))
        self.assertEqual('ACTIVE', nova.statuses['s1'])
        self.assertEqual([mock.call(ctx, 'v1', 'd1'),
                          mock.call(ctx, 'v3', 'd3')],
                         remove.call_args_list)
        removals = ctx.take_removals()
        self.assertEqual([(('volume.volume', 'v1'), 'd1'),
                          (('volume.volume', 'v3'), 'd3')],
                         [(r.key, r.destination_id) for r in removals])
        self.assertIn('copies it again', removals[0].reason)
        event = ctx.events[-1]
        self.assertEqual(('INFO', 'volume_copies_removed'),
                         (event.level, event.event_type))
        self.assertIn('d1 (of volume v1), d3 (of volume v3)', event.message)
        self.assertIn('runs again in the source', event.message)
        self.assertFalse(any(e.level == 'WARNING' for e in ctx.events))
        # Idempotent: nothing left to remove the second time.
        with mock.patch.object(datapath, 'remove_copy') as remove:
            server_mod.ServerDriver().abandon(
                ctx, server(volumes=('v1', 'v2', 'v3')))
        remove.assert_not_called()

    def test_a_copy_that_cannot_be_removed_is_named_as_stale(self):
        nova = FakeNova(s1='SUSPENDED')
        ctx = context(nova, copied={('volume.volume', 'v1'): 'd1',
                                    ('volume.volume', 'v2'): 'd2'})

        def remove(ctx, source_volume_id, volume_id):
            if volume_id == 'd1':
                raise datapath.CopyInUse(volume='d1', servers='c1')

        with mock.patch.object(datapath, 'remove_copy',
                               side_effect=remove):
            server_mod.ServerDriver().abandon(
                ctx, server(volumes=('v1', 'v2')))
        self.assertEqual('ACTIVE', nova.statuses['s1'])
        self.assertEqual([(('volume.volume', 'v2'), 'd2')],
                         [(r.key, r.destination_id)
                          for r in ctx.take_removals()])
        info, warning = ctx.events[-2:]
        self.assertEqual(('INFO', 'volume_copies_removed'),
                         (info.level, info.event_type))
        self.assertIn('(d2 (of volume v2))', info.message)
        self.assertEqual(('WARNING', 'stale_volumes'),
                         (warning.level, warning.event_type))
        self.assertIn('d1 (could not delete it: destination volume d1 is '
                      'attached to server(s) c1)', warning.message)
        self.assertNotIn('d2', warning.message)

    def test_copies_stay_when_the_source_was_not_brought_back(self):
        # Still quiesced (not by this item): the copies hold its data.
        nova = FakeNova(s1='SUSPENDED')
        ctx = context(nova, copied={('volume.volume', 'v1'): 'd1'})
        with mock.patch.object(datapath, 'remove_copy') as remove:
            server_mod.ServerDriver().abandon(
                ctx, server(status='SUSPENDED', volumes=('v1',)))
        remove.assert_not_called()
        self.assertEqual([], ctx.take_removals())
        self.assertEqual([], nova.actions)

    def test_a_server_that_was_not_running_is_left_alone(self):
        nova = FakeNova(s1='SHUTOFF')
        ctx = context(nova)
        server_mod.ServerDriver().abandon(ctx, server(status='SHUTOFF'))
        self.assertEqual([], nova.actions)


class TestBootUser(base.BaseTestCase):

    def setUp(self):
        super().setUp()
        self.conf = self.useFixture(config_fixture.Config(CONF))
        self.identity = mock.Mock()
        self.identity.get_user.return_value = types.SimpleNamespace(
            domain_id='admin-domain')
        self.identity.find_domain.return_value = types.SimpleNamespace(
            id='boot-domain')
        self.roles = {'member': 'r-member', 'admin': 'r-admin',
                      'booter': 'r-booter'}
        self.identity.find_role.side_effect = \
            lambda name, ignore_missing: self.roles.get(name)
        self.identity.users.return_value = []
        self.identity.create_user.return_value = types.SimpleNamespace(
            id='u1')
        destination = mock.Mock(identity=self.identity,
                                current_user_id='pumphouse')
        self.ctx = fakes.FakeContext(destination=destination)

    def create(self):
        user = server_boot.BootUser(self.ctx, 'pumphouse-boot-s1', 'p1', [{
            'name': 'key', 'type': 'ssh', 'public_key': 'ssh-ed25519 AAA'}])
        user._create()
        return user

    def test_defaults_member_in_the_domain_of_pumphouse_user(self):
        self.create()
        self.assertEqual('admin-domain',
                         self.identity.create_user.call_args.kwargs[
                             'domain_id'])
        self.identity.get_user.assert_called_once_with('pumphouse')
        self.identity.assign_project_role_to_user.assert_called_once_with(
            'p1', self.identity.create_user.return_value, 'r-member')
        self.assertEqual('admin-domain', self.ctx.destination.connect_as
                         .call_args.kwargs['user_domain_id'])

    def test_configured_domain_and_role(self):
        self.conf.config(boot_user_domain='boot', boot_user_role='booter',
                         group='identity')
        self.create()
        self.identity.find_domain.assert_called_once_with(
            'boot', ignore_missing=False)
        self.assertEqual('boot-domain',
                         self.identity.create_user.call_args.kwargs[
                             'domain_id'])
        self.identity.assign_project_role_to_user.assert_called_once_with(
            'p1', self.identity.create_user.return_value, 'r-booter')
        self.identity.users.assert_called_with(
            name='pumphouse-boot-s1', domain_id='boot-domain')

    def test_missing_role_falls_back_to_the_project_role(self):
        self.conf.config(boot_user_role='nobody', group='identity')
        self.assertEqual('r-admin', server_boot.boot_role(self.ctx))
