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

"""The order ready items start in: the longest chain of work first."""

import threading
import types
import unittest

from oslo_config import fixture as config_fixture
from oslotest import base

from pumphouse.common import context as pumphouse_context
from pumphouse.conf import CONF
from pumphouse.engine import apply as apply_mod
from pumphouse.engine import estimate
from pumphouse.engine import estimate_params as params
from pumphouse.engine import ready_queue
from pumphouse.tests import base as tests_base


def work(item_id, seconds, needs=(), host=None):
    cost = params.Range(seconds, seconds)
    return estimate.Work(item_id, tuple(needs), cost, params.Range(0, 0),
                         host)


class TestTails(unittest.TestCase):

    def test_own_work_plus_the_longest_tail_that_needs_it(self):
        # network(1) -> port(1) -> server(10); network -> rule(1)
        found = ready_queue.tails([
            work(1, 1), work(2, 1, [1]), work(3, 10, [2]), work(4, 1, [1])])
        self.assertEqual({1: 12, 2: 11, 3: 10, 4: 1}, found)

    def test_needs_outside_the_works_are_ignored(self):
        self.assertEqual({5: 2.0}, ready_queue.tails([work(5, 2, [99])]))

    def test_a_long_plan_is_linear(self):
        chain = [work(1, 1)] + [work(i, 1, [i - 1]) for i in range(2, 3001)]
        self.assertEqual(3000, ready_queue.tails(chain)[1])


class TestHostFloors(unittest.TestCase):
    """A server's tail is at least its host's servers still to come over
    the host's turns."""

    def project(self, servers, hosts=('a',)):
        """Port ``i`` (1 s) then server ``100 + i`` (10 s) on the hosts
        in turn."""
        works = []
        for i in range(servers):
            works.append(work(i, 1))
            works.append(work(100 + i, 10, [i], host=hosts[i % len(hosts)]))
        return works

    def test_the_hosts_servers_from_each_to_the_last_over_the_turns(self):
        found = ready_queue.host_floors(self.project(3), turns=2)
        self.assertEqual({100: 15.0, 101: 10.0, 102: 5.0}, found)

    def test_each_host_has_its_own(self):
        found = ready_queue.host_floors(self.project(4, ('a', 'b')), 1)
        self.assertEqual({100: 20.0, 101: 20.0, 102: 10.0, 103: 10.0},
                         found)

    def test_a_ready_server_outranks_the_ports_of_the_servers_behind(self):
        found = ready_queue.tails(self.project(8), turns=2)
        # Server 0 is ready once its port is done: the host has 80 s of
        # servers over 2 turns ahead, more than port 7 and its server.
        self.assertEqual(40.0, found[100])
        self.assertEqual(41.0, found[0])
        self.assertGreater(found[100], found[7])
        # Without turns the ports all come first (the chains alone).
        plain = ready_queue.tails(self.project(8))
        self.assertLess(plain[100], plain[7])

    def test_works_of_no_host_have_no_floor(self):
        found = ready_queue.tails([work(1, 2), work(2, 3, [1])], turns=1)
        self.assertEqual({1: 5.0, 2: 3.0}, found)


class _Task:
    def __init__(self, name, priority):
        self.name = name
        self.priority = priority


class TestPriorityThreadPool(unittest.TestCase):

    def test_the_waiting_call_of_highest_priority_starts_first(self):
        started = []
        gate = threading.Event()

        def run(task):
            if task.name == 'blocker':
                gate.wait(10)
            started.append(task.name)
            return task.name

        with ready_queue.PriorityThreadPool(max_workers=1) as pool:
            first = pool.submit(run, _Task('blocker', 0))
            rest = [pool.submit(run, _Task(name, priority)) for name, priority
                    in (('port', 1), ('server', 10), ('rule', 1),
                        ('network', 5))]
            gate.set()
            self.assertEqual('blocker', first.result(10))
            self.assertEqual(['port', 'server', 'rule', 'network'],
                             [f.result(10) for f in rest])
        # Equal priorities keep the order they came in.
        self.assertEqual(['blocker', 'server', 'network', 'port', 'rule'],
                         started)

    def test_never_more_than_max_workers_at_once(self):
        lock = threading.Lock()
        running = {'now': 0, 'most': 0}

        def run(_task):
            with lock:
                running['now'] += 1
                running['most'] = max(running['most'], running['now'])
            threading.Event().wait(0.01)
            with lock:
                running['now'] -= 1

        with ready_queue.PriorityThreadPool(max_workers=3) as pool:
            done = [pool.submit(run, _Task(str(i), i % 4)) for i in range(40)]
            for future in done:
                future.result(10)
        self.assertEqual(3, running['most'])

    def test_errors_reach_the_caller(self):
        def fail(_task):
            raise ValueError('no')

        with ready_queue.PriorityThreadPool(max_workers=2) as pool:
            future = pool.submit(fail, _Task('x', 1))
            self.assertRaises(ValueError, future.result, 10)
            # The worker is free again.
            self.assertEqual(3, pool.submit(lambda t: 3, _Task('y', 0))
                             .result(10))

    def test_calls_run_in_the_submitters_context(self):
        ctx = pumphouse_context.get_admin_context()
        ctx.update_store()
        with ready_queue.PriorityThreadPool(max_workers=1) as pool:
            seen = pool.submit(lambda: pumphouse_context.current()).result(10)
        self.assertIs(ctx, seen)


class TestPlanPriorities(base.BaseTestCase):
    """apply() gives each task the tail of its item, with the costs of
    the migration's estimate (defaults when it has none)."""

    def setUp(self):
        super().setUp()
        tests_base.init_conf()
        self.cfg = self.useFixture(config_fixture.Config(CONF))

    def item(self, item_id, resource_type, needs=(), action='create',
             host=None):
        return types.SimpleNamespace(
            id=item_id, resource_type=resource_type, action=action,
            depends_on=list(needs), bytes_total=None,
            details={'data': {'host': host}} if host else {},
            state='pending', started_at=None)

    def servers_on_one_host(self, count):
        todo = []
        for i in range(count):
            todo.append(self.item(i, 'network.port'))
            todo.append(self.item(100 + i, 'compute.server', [i],
                                  host='compute-1'))
        return todo

    def test_a_ready_server_outranks_the_ports_behind_it(self):
        self.cfg.config(max_servers_per_host=2, group='conductor')
        found = apply_mod._priorities(types.SimpleNamespace(estimate=None),
                                      self.servers_on_one_host(8), workers=8)
        self.assertGreater(found[100], found[7])

    def test_the_turns_are_the_hosts_or_the_workers_if_fewer(self):
        self.cfg.config(max_servers_per_host=8, group='conductor')
        migration = types.SimpleNamespace(estimate=None)
        todo = self.servers_on_one_host(8)
        one = apply_mod._priorities(migration, todo, workers=1)
        eight = apply_mod._priorities(migration, todo, workers=8)
        self.assertAlmostEqual(8 * eight[100], one[100])

    def test_the_way_to_a_server_comes_first(self):
        todo = [self.item(1, 'network.network'),
                self.item(2, 'network.port', [1]),
                self.item(3, 'compute.server', [2]),
                self.item(4, 'network.security_group_rule', [1]),
                self.item(5, 'identity.user', action='skip')]
        found = apply_mod._priorities(types.SimpleNamespace(estimate=None),
                                      todo, workers=8)
        self.assertGreater(found[2], found[4])
        self.assertGreater(found[1], found[2])
        self.assertGreater(found[3], found[4])
        self.assertEqual(0.0, found[5])
