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

"""The turn of a source host, shared by the runs of every migration: two
runs never hold a host's only turn together, the time waited for it is
the item's wait, not its work, and it is given back however the item
ends."""

import threading
import time
from unittest import mock

from pumphouse.db import host_turn_api
from pumphouse.engine import apply as apply_mod
from pumphouse.engine import host_turns
from pumphouse.tests.unit.engine import test_apply

#: The longest a test waits for another thread (a bound, not a pace).
#: The threads are daemons: one a failing test leaves waiting for a turn
#: does not keep the tests from ending.
BOUND = 10.0


class Holders:
    """Who holds the host now, and the most that ever did at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.now: list[str] = []
        self.most = 0
        self.order: list[str] = []

    def enter(self, name: str) -> None:
        with self._lock:
            self.now.append(name)
            self.order.append(name)
            self.most = max(self.most, len(self.now))

    def leave(self, name: str) -> None:
        with self._lock:
            self.now.remove(name)


class HostTurnTestCase(test_apply.ApplyTestCase):

    def setUp(self):
        super().setUp()
        #: Set each time a thread finds every turn held and pauses.
        self.polled = threading.Event()
        self.polls = 0

        def pause(seconds):
            self.polls += 1
            self.polled.set()
            time.sleep(0.01)

        patcher = mock.patch.object(host_turns, '_sleep', side_effect=pause)
        patcher.start()
        self.addCleanup(patcher.stop)

    def run_ctx(self, migration, owner=None):
        """The context of a run of ``migration`` (by ``owner``)."""
        ctx = self.ctx()
        ctx.migration_id = migration.id
        ctx.owner = owner
        return ctx

    def turns(self, host='h1'):
        return host_turn_api.list_turns(self.ctx().source_cloud_id, host)

    def apply_in_thread(self, migration) -> threading.Thread:
        ctx = self.run_ctx(migration)
        thread = threading.Thread(target=apply_mod.apply, args=(
            ctx, self.drivers, migration, 1, lambda: False), daemon=True)
        thread.start()
        return thread


class TestTwoRuns(HostTurnTestCase):

    def test_never_hold_the_only_turn_together(self):
        holders = Holders()
        contexts = [self.run_ctx(self.migration('red')),
                    self.run_ctx(self.migration('green'))]
        errors = []

        def server(ctx, name):
            try:
                for _ in range(3):
                    with ctx.host_turn('h1', 1):
                        holders.enter(name)
                        time.sleep(0.005)
                        holders.leave(name)
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)

        threads = [threading.Thread(target=server, args=(ctx, f'{i}-{j}'),
                                    daemon=True)
                   for i, ctx in enumerate(contexts) for j in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(BOUND)
        self.assertFalse(any(t.is_alive() for t in threads))
        self.assertEqual([], errors)
        self.assertEqual(18, len(holders.order))
        self.assertEqual(1, holders.most)
        self.assertEqual([], self.turns())

    def test_the_wait_for_another_migration_is_not_work(self):
        holders = Holders()
        driver = self.drivers['test.team']
        create = driver.create

        def server_move(ctx, resource, attrs):
            with ctx.host_turn('h1', 1):
                holders.enter(resource.name)
                try:
                    if holders.order == [resource.name]:
                        # The first holds the host until the other asked
                        # for it, then works 0.2 s more.
                        self.assertTrue(self.polled.wait(BOUND))
                        time.sleep(0.2)
                finally:
                    holders.leave(resource.name)
            return create(ctx, resource, attrs)

        driver.create = server_move
        red, green = self.migration('red'), self.migration('green')
        threads = [self.apply_in_thread(m) for m in (red, green)]
        for thread in threads:
            thread.join(BOUND)
        self.assertFalse(any(t.is_alive() for t in threads))

        self.assertEqual(1, holders.most)
        self.assertGreaterEqual(self.polls, 1)
        items = {**self.items(red), **self.items(green)}
        first, second = (items[n] for n in holders.order)
        self.assertEqual(('done', 'done'), (first.state, second.state))
        spent = (second.finished_at - second.started_at).total_seconds()
        # The second waited for the first's 0.2 s of work...
        self.assertGreaterEqual(spent, 0.19)
        # ...which is not its own work; the first's is.
        self.assertLess(second.work_seconds, spent - 0.15)
        self.assertGreaterEqual(first.work_seconds, 0.19)
        self.assertEqual([], self.turns())

    def test_the_wait_is_counted_by_the_context(self):
        holder = self.run_ctx(self.migration('red'), owner=None)
        waiter = self.run_ctx(self.migration('green'), owner=None)
        entered = threading.Event()
        measured = {}

        def wait_for_the_host():
            waiter.start_clock()
            began = time.monotonic()
            with waiter.host_turn('h1', 1):
                measured['blocked'] = time.monotonic() - began
                measured['waited'] = waiter.waited()
                entered.set()

        with holder.host_turn('h1', 1):
            thread = threading.Thread(target=wait_for_the_host, daemon=True)
            thread.start()
            self.assertTrue(self.polled.wait(BOUND))
            self.assertFalse(entered.is_set())
        thread.join(BOUND)

        self.assertTrue(entered.is_set())
        self.assertGreater(measured['waited'], 0)
        self.assertAlmostEqual(measured['blocked'], measured['waited'],
                               delta=0.05)


class TestGivenBack(HostTurnTestCase):

    def test_when_the_item_fails(self):
        driver = self.drivers['test.team']
        inside = []

        def failing_move(ctx, resource, attrs):
            with ctx.host_turn('h1', 1):
                inside.append(self.turns())
                raise RuntimeError('the copy did not boot')

        driver.create = failing_move
        red = self.migration('red')
        ctx = self.run_ctx(red)
        apply_mod.apply(ctx, self.drivers, red, 1, lambda: False)

        self.assertEqual('failed', self.items(red)['red'].state)
        self.assertEqual([[red.id]], [[t.migration_id for t in turns]
                                      for turns in inside])
        self.assertEqual([], self.turns())
        # Another migration takes it at once.
        green = self.run_ctx(self.migration('green'))
        with green.host_turn('h1', 1):
            self.assertEqual(0, self.polls)

    def test_every_turn_of_a_migration_when_its_run_ends(self):
        for fails in (False, True):
            migration = self.migration('red')
            cloud_id = self.ctx().source_cloud_id
            self.assertIsNotNone(host_turn_api.take(
                cloud_id, 'h1', 2, migration.id, None))
            with mock.patch.object(
                    apply_mod, 'apply',
                    side_effect=RuntimeError('lost') if fails else None,
                    return_value={'done': 1}):
                try:
                    self.run_migration(migration)
                except RuntimeError:
                    self.assertTrue(fails)
            self.assertEqual([], self.turns(), fails)


class TestNoDatabaseTurn(HostTurnTestCase):

    def test_without_migration_or_host_the_run_bound_only(self):
        ctx = self.ctx()  # no migration
        with ctx.host_turn('h1', 1):
            self.assertEqual([], self.turns())
        run = self.run_ctx(self.migration('red'))
        with run.host_turn('', 1):
            self.assertEqual([], self.turns(''))
        with run.host_turn('h1', 1):
            self.assertEqual(1, len(self.turns()))


class TestStopWhileWaiting(HostTurnTestCase):

    def test_the_waiting_server_is_left_pending_untouched(self):
        driver = self.drivers['test.team']
        create = driver.create
        entered = []

        def server_move(ctx, resource, attrs):
            with ctx.host_turn('h1', 1):
                entered.append(resource.name)
                return create(ctx, resource, attrs)

        driver.create = server_move
        holder = self.run_ctx(self.migration('green'))
        red = self.migration('red')
        stop = threading.Event()
        thread = threading.Thread(target=apply_mod.apply, args=(
            self.run_ctx(red), self.drivers, red, 1, stop.is_set),
            daemon=True)
        with holder.host_turn('h1', 1):
            thread.start()
            self.assertTrue(self.polled.wait(BOUND))
            stop.set()
            # The run ends while the other migration still holds the host.
            thread.join(BOUND)
            self.assertFalse(thread.is_alive())
        self.assertEqual([], entered)
        item = self.items(red)['red']
        self.assertEqual('pending', item.state)
        self.assertIn('waits for a turn of source host h1', item.error)
        self.assertIn('left pending for a resume', item.error)
        self.assertEqual([], self.turns())
        # Run again, it takes the free turn and is done.
        apply_mod.apply(self.run_ctx(red), self.drivers, red, 1,
                        lambda: False)
        self.assertEqual(['red'], entered)
        self.assertEqual('done', self.items(red)['red'].state)
