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

"""Boot users shared by the servers of a project and keypair: made once,
removed when the last server is done, kept for a retry until the run
ends, and never left by a resumed run."""

import threading
import time
import unittest
from unittest import mock

from keystoneauth1 import exceptions as ksa_exc

from pumphouse.drivers.resources.compute import boot_users
from pumphouse.drivers.resources.compute import server_boot
from pumphouse.tests.unit.drivers import fakes

KEYPAIR = {'name': 'key', 'type': 'ssh', 'public_key': 'ssh-ed25519 AAA'}


class _Keystone:
    """What the pool asks of the destination, recorded: users made and
    removed by name (the boot user's own calls are replaced)."""

    def __init__(self, slow: float = 0.0, fail_removal: int = 0) -> None:
        self.made: list[str] = []
        self.removed: list[str] = []
        self.slow = slow
        self.fail_removal = fail_removal
        self.lock = threading.Lock()

    def create(self, user) -> None:
        time.sleep(self.slow)
        with self.lock:
            self.made.append(user.name)
        user.connection = f'connection of {user.name}'

    def remove(self, ctx, name) -> bool:
        with self.lock:
            if self.fail_removal:
                self.fail_removal -= 1
                raise ksa_exc.ConnectFailure('reset')
            self.removed.append(name)
        return True


class PoolTestCase(unittest.TestCase):

    def setUp(self):
        super().setUp()
        self.keystone = _Keystone()
        self.patch_keystone(self.keystone)

    def patch_keystone(self, keystone):
        self.keystone = keystone
        for target, name, new in (
                (server_boot.BootUser, '_create',
                 lambda user: keystone.create(user)),
                (server_boot, 'remove_users_named', keystone.remove)):
            patcher = mock.patch.object(target, name, new)
            patcher.start()
            self.addCleanup(patcher.stop)

    def context(self, retrying=False, migration_id=7):
        ctx = fakes.FakeContext(mock.Mock(), mock.Mock(), retrying=retrying)
        ctx.migration_id = migration_id
        return ctx


class TestShared(PoolTestCase):

    def test_one_user_for_the_servers_of_a_project_and_keypair(self):
        pool = boot_users.BootUsers(self.context())
        with pool.use('p1', 'u1:key', KEYPAIR) as first, \
                pool.use('p1', 'u1:key', KEYPAIR) as second:
            self.assertEqual(first, second)
            self.assertEqual([], self.keystone.removed)
        name = pool.name('p1', 'u1:key')
        self.assertEqual([name], self.keystone.made)
        self.assertEqual([name], self.keystone.removed)

    def test_another_project_or_keypair_has_its_own(self):
        pool = boot_users.BootUsers(self.context())
        with pool.use('p1', 'u1:key', KEYPAIR), \
                pool.use('p2', 'u1:key', KEYPAIR), \
                pool.use('p1', 'u2:key', KEYPAIR):
            pass
        self.assertEqual(3, len(set(self.keystone.made)))

    def test_names_differ_by_migration_and_are_boot_user_names(self):
        one = boot_users.shared_name(1, 'p1', 'u1:key')
        self.assertNotEqual(one, boot_users.shared_name(2, 'p1', 'u1:key'))
        self.assertEqual(one, boot_users.shared_name(1, 'p1', 'u1:key'))
        self.assertTrue(one.startswith(server_boot.BOOT_USER_PREFIX))
        self.assertLessEqual(len(one), 64)

    def test_made_again_after_the_last_server_was_done(self):
        pool = boot_users.BootUsers(self.context())
        for _ in range(2):
            with pool.use('p1', 'u1:key', KEYPAIR):
                pass
        self.assertEqual(2, len(self.keystone.made))
        self.assertEqual(2, len(self.keystone.removed))

    def test_threads_at_once_make_it_once(self):
        self.patch_keystone(_Keystone(slow=0.05))
        pool = boot_users.BootUsers(self.context())
        inside = threading.Barrier(6, timeout=10)

        def server():
            with pool.use('p1', 'u1:key', KEYPAIR):
                inside.wait()

        threads = [threading.Thread(target=server) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        self.assertEqual(1, len(self.keystone.made))
        self.assertEqual(1, len(self.keystone.removed))

    def test_a_failed_creation_holds_nothing(self):
        pool = boot_users.BootUsers(self.context())
        with mock.patch.object(server_boot.BootUser, 'create',
                               side_effect=ksa_exc.ConnectFailure('x')):
            with self.assertRaises(ksa_exc.ConnectFailure):
                with pool.use('p1', 'u1:key', KEYPAIR):
                    self.fail('used without a user')
        with pool.use('p1', 'u1:key', KEYPAIR):
            pass
        self.assertEqual(1, len(self.keystone.made))
        self.assertEqual(1, len(self.keystone.removed))


class TestFailures(PoolTestCase):

    def _fail_inside(self, pool):
        with self.assertRaises(ksa_exc.ConnectFailure):
            with pool.use('p1', 'u1:key', KEYPAIR):
                raise ksa_exc.ConnectFailure('reset')

    def test_kept_for_a_retry_until_the_run_ends(self):
        pool = boot_users.BootUsers(self.context(retrying=True))
        self._fail_inside(pool)
        self.assertEqual([], self.keystone.removed)
        # The next attempt uses the same user, and does not remove it.
        with pool.use('p1', 'u1:key', KEYPAIR):
            pass
        self.assertEqual(1, len(self.keystone.made))
        self.assertEqual([], self.keystone.removed)
        pool.close()
        self.assertEqual(self.keystone.made, self.keystone.removed)

    def test_removed_when_the_item_fails_for_good(self):
        pool = boot_users.BootUsers(self.context(retrying=False))
        self._fail_inside(pool)
        self.assertEqual(self.keystone.made, self.keystone.removed)

    def test_a_failed_removal_fails_no_server_and_is_retried_at_the_end(
            self):
        self.patch_keystone(_Keystone(fail_removal=1))
        ctx = self.context()
        pool = boot_users.BootUsers(ctx)
        with pool.use('p1', 'u1:key', KEYPAIR):
            pass
        self.assertEqual([], self.keystone.removed)
        pool.close()
        self.assertEqual(self.keystone.made, self.keystone.removed)
        self.assertEqual([], ctx.events)

    def test_a_removal_failing_at_the_end_is_an_event(self):
        self.patch_keystone(_Keystone(fail_removal=2))
        ctx = self.context()
        pool = boot_users.BootUsers(ctx)
        with pool.use('p1', 'u1:key', KEYPAIR):
            pass
        pool.close()
        self.assertEqual([('boot_user', 'ERROR')],
                         [(e.event_type, e.level) for e in ctx.events])


class TestLeftovers(PoolTestCase):

    def test_a_leftover_is_removed_when_the_run_does_not_use_it(self):
        pool = boot_users.BootUsers(self.context())
        pool.discard_leftover('p1', 'u1:key')
        self.assertEqual([pool.name('p1', 'u1:key')], self.keystone.removed)

    def test_the_user_this_run_uses_is_not_a_leftover(self):
        pool = boot_users.BootUsers(self.context())
        with pool.use('p1', 'u1:key', KEYPAIR):
            pool.discard_leftover('p1', 'u1:key')
            self.assertEqual([], self.keystone.removed)

    def test_one_per_run_given_back_with_the_run(self):
        ctx = self.context()
        pool = boot_users.for_run(ctx)
        self.assertIs(pool, boot_users.for_run(ctx))
