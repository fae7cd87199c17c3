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

"""The path of a server that fails: undone, unless the engine tries the
item again after a transient fault; then everything is left for that
attempt to resume from (the copy, the boot user, the quiesced source
and the copies of its volumes)."""

import contextlib
import unittest
from unittest import mock

from keystoneauth1 import exceptions as ksa_exc

from pumphouse.common import exception
from pumphouse.drivers.resources.compute import server_boot
from pumphouse.drivers.resources.compute import server_path
from pumphouse.drivers.resources.compute import server_quiesce
from pumphouse.engine import resource as res
from pumphouse.tests.unit.drivers import fakes

SERVER = res.Resource('compute.server', 's1', 'web', {},
                      data={'host': 'h1'})


class TestMigrateFails(unittest.TestCase):

    def setUp(self):
        super().setUp()
        for target, name, kwargs in (
                (server_quiesce, 'quiesce', {'return_value': 'ACTIVE'}),
                (server_path, '_boot', {'side_effect': ksa_exc.ConnectFailure(
                    'Unable to establish connection: reset')})):
            patcher = mock.patch.object(target, name, **kwargs)
            patcher.start()
            self.addCleanup(patcher.stop)
        patcher = mock.patch.object(server_path, '_boot_connection')
        patcher.start().return_value.__enter__.return_value = mock.Mock()
        self.addCleanup(patcher.stop)
        patcher = mock.patch.object(server_path, '_undo')
        self.undo = patcher.start()
        self.addCleanup(patcher.stop)

    def test_left_for_the_next_attempt(self):
        ctx = fakes.FakeContext(mock.Mock(), mock.Mock(), retrying=True)
        self.assertRaises(ksa_exc.ConnectFailure, server_path.migrate, ctx,
                          SERVER, {})
        self.undo.assert_not_called()
        self.assertEqual(['kept_for_retry'],
                         [e.event_type for e in ctx.events])

    def test_undone_when_it_fails_for_good(self):
        ctx = fakes.FakeContext(mock.Mock(), mock.Mock(), retrying=False)
        self.assertRaises(ksa_exc.ConnectFailure, server_path.migrate, ctx,
                          SERVER, {})
        self.undo.assert_called_once_with(ctx, SERVER, {})


class TestStoppedWaitingForItsHost(unittest.TestCase):
    """The run stopped while the server waited for its source host's
    turn: nothing was done, nothing is undone (the source is not
    touched, not even a quiesced-ahead one brought back)."""

    def test_nothing_undone(self):
        @contextlib.contextmanager
        def stopped(*args):
            raise exception.WaitStopped(what='a server',
                                        turn='a turn of source host h1')
            yield  # pragma: no cover

        ctx = fakes.FakeContext(mock.Mock(), mock.Mock(), retrying=False)
        with mock.patch.object(server_path, '_boot_connection'), \
                mock.patch.object(server_path, 'host_semaphore', stopped), \
                mock.patch.object(server_quiesce, 'quiesce') as quiesce, \
                mock.patch.object(server_path, '_undo') as undo:
            self.assertRaises(exception.WaitStopped, server_path.migrate,
                              ctx, SERVER, {})
        quiesce.assert_not_called()
        undo.assert_not_called()
        self.assertEqual([], ctx.events)


class TestBootUserOutsideTheHostBound(unittest.TestCase):
    """The boot user is made before the server's turn on its source host
    and removed after it: the semaphore is held only while the source is
    quiesced and the copy boots."""

    def test_order(self):
        said = []

        def recorder(enter, leave, value=None):
            @contextlib.contextmanager
            def manager(*args):
                said.append(enter)
                yield value
                said.append(leave)
            return manager

        def step(name, value=None):
            def run(*args):
                said.append(name)
                return value
            return run

        ctx = fakes.FakeContext(mock.Mock(), mock.Mock())
        with mock.patch.object(
                server_path, '_boot_connection',
                recorder('boot user made', 'boot user removed')), \
                mock.patch.object(server_path, 'host_semaphore',
                                  recorder('host taken', 'host freed')), \
                mock.patch.object(server_quiesce, 'quiesce',
                                  step('quiesce', 'ACTIVE')), \
                mock.patch.object(server_path, '_boot',
                                  step('boot', mock.Mock(id='copy-1'))), \
                mock.patch.object(server_path, '_finish', step('check')):
            self.assertEqual('copy-1',
                             server_path.migrate(ctx, SERVER, {}))
        self.assertEqual(['boot user made', 'host taken', 'quiesce', 'boot',
                          'check', 'host freed', 'boot user removed'], said)


class TestBootUserStaysForTheNextAttempt(unittest.TestCase):

    def _leave(self, retrying, error):
        ctx = fakes.FakeContext(mock.Mock(), mock.Mock(), retrying=retrying)
        user = server_boot.BootUser(ctx, 'pumphouse-boot-s1', 'p1', [])
        with mock.patch.object(server_boot, 'remove_users_named') as remove:
            user.__exit__(type(error), error, None)
        return remove

    def test_kept_when_the_item_is_tried_again(self):
        remove = self._leave(True, ksa_exc.ConnectFailure('reset'))
        remove.assert_not_called()

    def test_removed_otherwise(self):
        self._leave(False, ksa_exc.ConnectFailure('reset')) \
            .assert_called_once()
        ctx = fakes.FakeContext(mock.Mock(), mock.Mock(), retrying=True)
        with mock.patch.object(server_boot, 'remove_users_named') as remove:
            server_boot.BootUser(ctx, 'pumphouse-boot-s1', 'p1',
                                 []).__exit__(None, None, None)
        remove.assert_called_once_with(ctx, 'pumphouse-boot-s1')


class TestBootUserLeftBeforeIsReplaced(unittest.TestCase):
    """A boot user an earlier attempt left is deleted and made again,
    never given a new password: Keystone revokes the user's tokens when
    its password changes, and a token issued within that second is
    refused by Nova (HTTP 401, seen under faults)."""

    def test_deleted_and_created_again(self):
        destination = mock.Mock()
        left = mock.Mock(id='old-user')
        identity = destination.identity
        identity.users.return_value = [left]
        identity.create_user.return_value = mock.Mock(id='new-user')
        destination.compute.keypairs.return_value = [
            mock.Mock(name='key')]
        ctx = fakes.FakeContext(mock.Mock(), destination, cache={
            'destination:boot-user-domain': 'd1',
            'destination:boot-user-role': 'member'})
        server_boot.BootUser(ctx, 'pumphouse-boot-s1', 'p1', [])._create()
        identity.update_user.assert_not_called()
        identity.delete_user.assert_called_once_with(left,
                                                     ignore_missing=True)
        identity.create_user.assert_called_once()
        self.assertEqual('pumphouse-boot-s1',
                         identity.create_user.call_args.kwargs['name'])
        identity.assign_project_role_to_user.assert_called_once_with(
            'p1', identity.create_user.return_value, 'member')


class TestAfterCreate(unittest.TestCase):
    """A step after the copy runs (floating IPs, cutover) that meets a
    transient fault is done again by the next attempt, which adopts the
    copy; any other failure is an event and leaves the copy."""

    def _cutover_fails(self, retrying, error):
        ctx = fakes.FakeContext(mock.Mock(), mock.Mock(), retrying=retrying,
                                cache={server_path.settled_key(SERVER): 1})
        with mock.patch.object(server_path, 'cutover', side_effect=error):
            server_path.after_create(ctx, SERVER, 'copy-1')
        return ctx

    def test_raised_for_the_next_attempt(self):
        self.assertRaises(ksa_exc.ConnectFailure, self._cutover_fails, True,
                          ksa_exc.ConnectFailure('reset'))

    def test_an_event_when_the_item_is_not_tried_again(self):
        ctx = self._cutover_fails(False, ksa_exc.ConnectFailure('reset'))
        self.assertEqual(['cutover_failed'],
                         [e.event_type for e in ctx.events])


class TestSharedBootUser(unittest.TestCase):
    """A server with a keypair boots as its project's shared boot user
    of that keypair; what an interrupted attempt left is removed unless
    this run uses it."""

    KEYED = res.Resource('compute.server', 's1', 'web', {},
                         data={'host': 'h1', 'keypair': 'alice:key'})
    ATTRS = {'key_name': 'key', 'project': 'p-dst'}

    def context(self):
        return fakes.FakeContext(mock.Mock(), mock.Mock(), ids={
            ('compute.keypair', 'alice:key'): 'alice-dst:key'})

    def test_booted_by_the_shared_user(self):
        ctx = self.context()
        pool = mock.Mock()
        pool.use.return_value.__enter__ = mock.Mock(return_value='conn')
        pool.use.return_value.__exit__ = mock.Mock(return_value=False)
        with mock.patch.object(server_path.boot_users, 'for_run',
                               return_value=pool), \
                mock.patch.object(server_boot, 'owner_keypair',
                                  return_value={'name': 'key'}):
            with server_path._boot_connection(ctx, self.KEYED,
                                              self.ATTRS) as conn:
                self.assertEqual('conn', conn)
        pool.use.assert_called_once_with('p-dst', 'alice-dst:key',
                                         {'name': 'key'})

    def test_leftovers_of_both_kinds_removed(self):
        ctx = self.context()
        pool = mock.Mock()
        with mock.patch.object(server_path.boot_users, 'for_run',
                               return_value=pool), \
                mock.patch.object(server_boot,
                                  'remove_boot_user') as per_server:
            server_path._remove_left_boot_users(ctx, self.KEYED, self.ATTRS)
        per_server.assert_called_once_with(ctx, 's1')
        pool.discard_leftover.assert_called_once_with('p-dst',
                                                      'alice-dst:key')

    def test_without_a_keypair_no_boot_user(self):
        ctx = self.context()
        with mock.patch.object(server_path.boot_users, 'for_run') as pool, \
                mock.patch.object(server_boot, 'remove_boot_user'):
            server_path._remove_left_boot_users(
                ctx, SERVER, {'key_name': None, 'project': 'p-dst'})
        pool.assert_not_called()
