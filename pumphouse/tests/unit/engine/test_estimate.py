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

"""The estimate of a plan and the time left of a migration, on plain
items (no database): defaults, history, parallelism, calibration, a
run."""

import dataclasses
import datetime
import itertools
import random

from oslo_config import fixture as config_fixture
from oslotest import base

from pumphouse.conf import CONF
from pumphouse.db import timing_api
from pumphouse.engine import estimate
from pumphouse.engine import estimate_calibration as calibration_mod
from pumphouse.engine import estimate_params as params
from pumphouse.engine import views
from pumphouse.tests import base as tests_base

MIB = params.MIB
GIB = params.GIB
NOW = datetime.datetime(2026, 12, 4, 12, 0, 0)


@dataclasses.dataclass
class Item:
    """The fields of a plan item row the estimate reads."""

    id: int
    resource_type: str = 'identity.user'
    action: str = 'create'
    state: str = 'pending'
    depends_on: list = dataclasses.field(default_factory=list)
    details: dict = dataclasses.field(default_factory=dict)
    bytes_total: int | None = None
    bytes_done: int = 0
    started_at: datetime.datetime | None = None
    work_seconds: float | None = None
    finished_at: datetime.datetime | None = None


@dataclasses.dataclass
class Migration:
    state: str = 'planned'
    estimate: dict | None = None
    options: dict = dataclasses.field(default_factory=dict)
    started_at: datetime.datetime | None = None
    finished_at: datetime.datetime | None = None


def image(item_id: int, size: int, **kw) -> Item:
    return Item(item_id, 'image.image', details={'attrs': {'size': size}},
                **kw)


def server(item_id: int, host: str = 'c1', boot: str = 'image',
           disk: int = 0, **kw) -> Item:
    return Item(item_id, 'compute.server', details={'data': {
        'host': host, 'boot': boot, 'flavor': {'disk': disk}}}, **kw)


def sample(resource_type: str, seconds: float, action: str = 'create',
           size: int | None = None, boot: str | None = None,
           migration_id: int = 1) -> timing_api.ItemTime:
    return timing_api.ItemTime(migration_id, resource_type, action, seconds,
                               size, boot)


def parallel(workers: int = 4, transfers: int = 2,
             per_host: int = 2) -> estimate.Parallelism:
    return estimate.Parallelism(workers, transfers, per_host)


class EstimateTestCase(base.BaseTestCase):
    """The [estimate] defaults: items 1-6 s, servers 30-240 s, images
    10-100 MiB/s, volumes 3-33 MiB/s."""

    def setUp(self):
        super().setUp()
        tests_base.init_conf()
        self.cfg = self.useFixture(config_fixture.Config(CONF))

    def made(self, items, history=(), workers=4, transfers=2, per_host=2):
        costs = estimate.learn_costs(items, list(history))
        return estimate.estimate(
            items, costs, parallel(workers, transfers, per_host),
            estimate.history_summary(list(history)))


class TestDefaults(EstimateTestCase):

    def test_without_history_the_estimate_is_the_default_range(self):
        made = self.made([Item(i) for i in range(1, 5)])
        self.assertEqual((1, 6), (made['low_s'], made['high_s']))
        self.assertEqual('defaults', made['basis'])
        self.assertEqual({'migrations': 0, 'items': 0}, made['history'])
        self.assertEqual({'identity.user create': {
            'fixed_s': [1.0, 6.0], 'rate_bps': None, 'basis': 'defaults',
            'samples': 0}}, {k: v for k, v in made['costs'].items()
                             if k.startswith('identity')})

    def test_defaults_come_from_the_options(self):
        self.cfg.config(item_seconds_low=2.0, item_seconds_high=3.0,
                        group='estimate')
        made = self.made([Item(1)])
        self.assertEqual((2, 3), (made['low_s'], made['high_s']))

    def test_image_bytes_at_the_default_rates(self):
        made = self.made([image(1, 1000 * MIB)], workers=1)
        # 1 s + 1000 MiB at 100 MiB/s; 6 s + 1000 MiB at 10 MiB/s.
        self.assertEqual((11, 106), (made['low_s'], made['high_s']))
        self.assertEqual(1000 * MIB, made['bytes'])
        self.assertEqual({'items': 1, 'bytes': 1000 * MIB,
                          'work_low_s': 11.0, 'work_high_s': 106.0,
                          'basis': 'defaults'},
                         made['per_type']['image.image'])

    def test_volume_size_is_in_gib(self):
        volume = Item(1, 'volume.volume', details={'attrs': {'size': 3}})
        made = self.made([volume], workers=1)
        # 3 GiB at 33 MiB/s (+1 s) and at 3 MiB/s (+6 s).
        self.assertEqual(1 + int(3 * 1024 / 33), made['low_s'])
        self.assertEqual(6 + 1024, made['high_s'])

    def test_a_snapshot_copy_counts_none_to_all_of_the_root_disk(self):
        made = self.made([server(1, boot='snapshot', disk=1)], workers=1)
        self.assertEqual(30, made['low_s'])
        self.assertEqual(240 + int(1024 / 10) + 1, made['high_s'])
        self.assertEqual(GIB, made['per_type']['compute.server']['bytes'])

    def test_skipped_and_reused_items(self):
        made = self.made([Item(1, action='skip', state='skipped'),
                          Item(2, action='reuse'), Item(3, action='reuse')])
        self.assertEqual(2, made['items'])
        self.assertEqual((1, 6), (made['low_s'], made['high_s']))
        self.assertNotIn('identity.user skip', made['costs'])

    def test_an_empty_plan_takes_no_time(self):
        made = self.made([])
        self.assertEqual((0, 0, 0), (made['low_s'], made['high_s'],
                                     made['items']))


class TestParallelism(EstimateTestCase):

    def test_independent_items_share_the_workers(self):
        items = [Item(i) for i in range(1, 9)]
        self.assertEqual((4, 24), self.pair(self.made(items, workers=2)))
        made = self.made(items, workers=8)
        self.assertEqual((1, 6), self.pair(made))
        self.assertEqual('workers', self.made(items, workers=2)[
            'limited_by']['low'])

    def test_a_chain_takes_its_whole_length(self):
        items = [Item(1)] + [Item(i, depends_on=[i - 1])
                             for i in range(2, 6)]
        made = self.made(items, workers=4)
        self.assertEqual((5, 30), self.pair(made))
        self.assertEqual({'low': 'critical_path', 'high': 'critical_path'},
                         made['limited_by'])

    def test_items_without_work_still_order_the_others(self):
        items = [Item(1), Item(2, action='skip', state='skipped',
                                depends_on=[1]),
                 Item(3, depends_on=[2])]
        self.assertEqual((2, 12), self.pair(self.made(items)))

    def test_copies_share_the_transfer_slots(self):
        items = [image(i, 1000 * MIB) for i in range(1, 5)]
        made = self.made(items, workers=4, transfers=2)
        # Four copies of 10-100 s, two at a time.
        self.assertEqual((20, 200), self.pair(made))
        self.assertEqual('transfers', made['limited_by']['high'])
        self.assertEqual((11, 106), self.pair(self.made(
            items, workers=4, transfers=4)))

    def test_servers_of_one_host_take_turns(self):
        items = [server(i, host='c1') for i in range(1, 5)]
        made = self.made(items, workers=4, per_host=1)
        self.assertEqual((120, 960), self.pair(made))
        self.assertEqual('host', made['limited_by']['low'])
        spread = [server(i, host=f'c{i}') for i in range(1, 5)]
        self.assertEqual((30, 240), self.pair(self.made(
            spread, workers=4, per_host=1)))

    @staticmethod
    def pair(made):
        return made['low_s'], made['high_s']


class TestHistory(EstimateTestCase):

    def test_item_times_replace_the_defaults(self):
        history = [sample('identity.user', s) for s in (2, 2, 3, 3, 4)]
        made = self.made([Item(1)], history)
        self.assertEqual({'fixed_s': [2.0, 3.2], 'rate_bps': None,
                          'basis': 'history', 'samples': 5},
                         made['costs']['identity.user create'])
        self.assertEqual('history', made['basis'])
        self.assertEqual((2, 4), (made['low_s'], made['high_s']))
        self.assertEqual({'migrations': 1, 'items': 5}, made['history'])

    def test_too_few_samples_keep_the_defaults(self):
        self.cfg.config(min_samples=3, group='estimate')
        history = [sample('identity.user', 9), sample('identity.user', 9)]
        made = self.made([Item(1)], history)
        self.assertEqual('defaults', made['basis'])
        self.assertEqual((1, 6), (made['low_s'], made['high_s']))

    def test_other_types_and_actions_are_not_learnt_from(self):
        history = [sample('identity.user', 9, action='reuse')] * 3 + [
            sample('identity.group', 9)] * 3
        self.assertEqual('defaults', self.made([Item(1)], history)['basis'])

    def test_a_transfer_rate_from_large_copies(self):
        history = ([sample('image.image', 2, size=MIB)] * 3
                   + [sample('image.image', 22, size=2 * GIB)] * 3)
        cost = params.learn('image.image', 'create', history)
        self.assertEqual(params.Range(2, 2), cost.fixed)
        # 2 GiB in 22 s less the 2 s every image takes.
        self.assertEqual(params.Range(GIB / 10, GIB / 10), cost.rate)
        self.assertEqual('history', cost.basis)
        made = self.made([image(1, GIB)], history, workers=1)
        self.assertEqual((12, 12), (made['low_s'], made['high_s']))

    def test_small_copies_alone_give_a_partial_basis(self):
        history = [sample('image.image', 2, size=MIB)] * 3
        cost = params.learn('image.image', 'create', history)
        self.assertEqual('partial', cost.basis)
        self.assertEqual(params.default('image.image', 'create').rate,
                         cost.rate)

    def test_snapshot_servers_are_not_boot_times(self):
        history = ([sample('compute.server', 50, boot='image')] * 3
                   + [sample('compute.server', 900, boot='snapshot')] * 3)
        cost = params.learn('compute.server', 'create', history)
        self.assertEqual(params.Range(50, 50), cost.fixed)

    def test_a_plan_partly_known(self):
        history = [sample('identity.user', 2)] * 3
        made = self.made([Item(1), server(2)], history)
        self.assertEqual('partial', made['basis'])
        self.assertEqual('history',
                         made['per_type']['identity.user']['basis'])
        self.assertEqual('defaults',
                         made['per_type']['compute.server']['basis'])

    def test_a_copy_taking_less_than_the_fixed_time_counts_half(self):
        # 1 GiB in 4 s while small images take 10 s: not a negative rate.
        history = ([sample('image.image', 10, size=MIB)] * 3
                   + [sample('image.image', 4, size=GIB)] * 3)
        cost = params.learn('image.image', 'create', history)
        self.assertEqual(params.Range(GIB / 2, GIB / 2), cost.rate)

    def test_stored_costs_are_those_used(self):
        history = [sample('identity.user', s) for s in (2, 3, 4)]
        items = [Item(1), image(2, GIB)]
        costs = estimate.learn_costs(items, history)
        made = estimate.estimate(items, costs, parallel())
        self.assertEqual(costs, estimate.stored_costs(made, items))

    def test_quantiles(self):
        self.assertEqual(5.0, params.quantile([5.0], 0.8))
        self.assertEqual(1.5, params.quantile([1.0, 2.0], 0.5))


class TestTimeLeft(EstimateTestCase):

    def setUp(self):
        super().setUp()
        self.items = [Item(i) for i in range(1, 11)]
        costs = estimate.learn_costs(self.items, [])
        self.stored = estimate.estimate(self.items, costs, parallel(1))

    def left(self, state='running', items=None, **kw):
        migration = Migration(state, self.stored, **kw)
        return estimate.time_left(migration, items or self.items, now=NOW)

    def test_a_planned_migration_has_its_whole_estimate_left(self):
        found = self.left('planned')
        self.assertEqual((10, 60), (found['remaining_low_s'],
                                    found['remaining_high_s']))
        self.assertIsNone(found['elapsed_s'])
        self.assertIsNone(found['scale'])

    def test_while_planning_nothing_is_known(self):
        found = self.left('planning', items=[])
        self.assertEqual((None, None), (found['remaining_low_s'],
                                        found['remaining_high_s']))

    def test_elapsed_runs_until_the_end(self):
        started = NOW - datetime.timedelta(minutes=5)
        self.assertEqual(300, self.left(started_at=started)['elapsed_s'])
        ended = self.left('completed', started_at=started,
                          finished_at=NOW - datetime.timedelta(minutes=1))
        self.assertEqual(240, ended['elapsed_s'])
        self.assertEqual((0, 0), (ended['remaining_low_s'],
                                  ended['remaining_high_s']))

    def test_done_items_are_not_left_and_few_do_not_scale(self):
        for item in self.items[:3]:
            item.state, item.work_seconds = 'done', 100.0
        found = self.left()
        self.assertEqual((7, 42), (found['remaining_low_s'],
                                   found['remaining_high_s']))
        self.assertEqual((None, 3), (found['scale'],
                                     found['observed_items']))

    def test_enough_done_items_scale_what_is_left(self):
        self.cfg.config(min_observed=5, group='estimate')
        for item in self.items[:5]:
            # Twice the middle of 1-6 s.
            item.state, item.work_seconds = 'done', 7.0
        found = self.left()
        self.assertEqual(2.0, found['scale'])
        self.assertEqual((10, 60), (found['remaining_low_s'],
                                    found['remaining_high_s']))

    def test_a_kind_with_enough_items_has_its_own_scale(self):
        self.cfg.config(min_observed=2, group='estimate')
        items = [Item(1, state='done', work_seconds=7.0),
                 Item(2, state='done', work_seconds=7.0),
                 server(3, state='done', work_seconds=135.0),
                 server(4, state='done', work_seconds=135.0),
                 server(5), Item(6)]
        found = estimate.time_left(Migration('running', None), items,
                                   now=NOW)
        # The servers took their estimate, the others twice theirs.
        self.assertEqual((30, 240), (found['remaining_low_s'],
                                     found['remaining_high_s']))

    def test_a_running_item_counts_what_it_has_left(self):
        self.items = [Item(1, state='running',
                           started_at=NOW - datetime.timedelta(seconds=3))]
        found = self.left()
        self.assertEqual((0, 3), (found['remaining_low_s'],
                                  found['remaining_high_s']))

    def test_a_running_copy_counts_its_bytes_left(self):
        self.items = [image(1, 1000 * MIB, state='running', started_at=NOW,
                            bytes_total=1000 * MIB, bytes_done=500 * MIB)]
        self.stored = None
        found = self.left()
        self.assertEqual((6, 56), (found['remaining_low_s'],
                                   found['remaining_high_s']))

    def test_failed_items_are_left_only_for_a_resume(self):
        self.items[0].state = 'failed'
        self.items[1].state = 'blocked'
        self.assertEqual(8, self.left('running')['remaining_low_s'])
        self.assertEqual(10, self.left('failed')['remaining_low_s'])

    def test_the_stored_parallelism_is_used(self):
        self.stored = estimate.estimate(
            self.items, estimate.learn_costs(self.items, []), parallel(5))
        self.assertEqual(2, self.left()['remaining_low_s'])

    def test_without_a_stored_estimate_defaults_and_options(self):
        self.stored = None
        found = self.left(options={'apply_workers': 2})
        self.assertEqual((5, 30), (found['remaining_low_s'],
                                   found['remaining_high_s']))


def done_user(item_id: int, start: float, seconds: float,
              work: float | None = None) -> Item:
    """A user done ``start`` seconds after NOW, after ``seconds``, which
    it worked (``work``: it worked that long)."""
    started = NOW + datetime.timedelta(seconds=start)
    return Item(item_id, state='done',
                work_seconds=seconds if work is None else work,
                started_at=started,
                finished_at=started + datetime.timedelta(seconds=seconds))


def finished(items, workers: int = 1, migration_id: int = 1):
    """A completed migration's plan, last run with ``workers``."""
    return timing_api.FinishedPlan(
        migration_id, items, {'parallelism': parallel(workers).to_dict()},
        {})


def history_of(*plans) -> list:
    return [sample(i.resource_type, i.work_seconds,
                   migration_id=plan.migration_id)
            for plan in plans for i in plan.items if i.state == 'done']


class TestCalibration(EstimateTestCase):
    """The model of a plan scaled by how long completed migrations took
    against the model of their own plans."""

    def slow_plan(self, factor: float, migration_id: int = 1):
        """Ten users of 4 s each, on 2 workers: the model says 20 s; they
        took ``factor`` times that, one after the other."""
        step = 2 * factor
        return finished([done_user(i, i * step, step, work=4.0)
                         for i in range(10)],
                        workers=2, migration_id=migration_id)

    def calibrated(self, *plans, items=None, workers=4):
        history = history_of(*plans)
        items = items or [Item(i) for i in range(100, 120)]
        costs = estimate.learn_costs(items, history)
        calibration = calibration_mod.calibrate(plans, history)
        return (estimate.estimate(items, costs, parallel(workers), None,
                                  calibration),
                estimate.estimate(items, costs, parallel(workers)))

    def test_apply_seconds_leave_out_the_pauses(self):
        items = [done_user(1, 0, 10), done_user(2, 5, 10),
                 done_user(3, 7, 2), done_user(4, 100, 5),
                 Item(5, action='skip', state='skipped')]
        self.assertEqual(20.0, calibration_mod.apply_seconds(items))
        self.assertIsNone(calibration_mod.apply_seconds([]))
        # A done item without times (an older release's): unknown.
        items.append(Item(6, state='done'))
        self.assertIsNone(calibration_mod.apply_seconds(items))

    def test_twice_the_model_doubles_the_next_estimate(self):
        made, plain = self.calibrated(self.slow_plan(2.0))
        # 20 users of 4 s on 4 workers: 20 s by the model.
        self.assertEqual((20, 20), (plain['low_s'], plain['high_s']))
        self.assertIsNone(plain['calibration'])
        # The middle twice that, 15 % either side.
        self.assertEqual((34, 46), (made['low_s'], made['high_s']))
        self.assertEqual({'migrations': 1, 'scale': 2.0,
                          'range': [1.7, 2.3], 'ratios': [2.0],
                          'model_low_s': 20, 'model_high_s': 20},
                         made['calibration'])
        self.assertEqual('history', made['basis'])

    def test_faster_than_the_model_shortens_it(self):
        made, _plain = self.calibrated(self.slow_plan(0.5))
        self.assertEqual((8, 12), (made['low_s'], made['high_s']))

    def test_the_median_ratio_and_the_ratios_range(self):
        plans = [self.slow_plan(f, migration_id=n)
                 for n, f in enumerate((1.0, 3.0, 2.0), start=1)]
        made, _plain = self.calibrated(*plans)
        self.assertEqual(2.0, made['calibration']['scale'])
        self.assertEqual([1.0, 3.0], made['calibration']['range'])
        self.assertEqual((20, 60), (made['low_s'], made['high_s']))

    def test_ratios_are_bounded(self):
        found = calibration_mod.calibrate([self.slow_plan(1000.0)],
                                          history_of(self.slow_plan(1.0)))
        self.assertEqual((estimate.SCALE_BOUNDS[1],), found.ratios)

    def test_the_past_plan_is_modelled_with_its_own_workers(self):
        plan = self.slow_plan(1.0)
        self.assertEqual(1.0, calibration_mod.ratio(plan, history_of(plan)))
        plan = finished(plan.items, workers=1)
        self.assertEqual(0.5, calibration_mod.ratio(plan, history_of(plan)))

    def test_without_history_nothing_changes(self):
        self.assertIsNone(calibration_mod.calibrate([], []))
        made, plain = self.calibrated()
        self.assertEqual(plain['low_s'], made['low_s'])
        self.assertEqual(plain['high_s'], made['high_s'])
        self.assertIsNone(made['calibration'])

    def test_untimed_plans_do_not_calibrate(self):
        plan = self.slow_plan(2.0)
        plan.items[0].finished_at = None
        self.assertIsNone(calibration_mod.calibrate([plan],
                                                    history_of(plan)))

    def test_a_plan_of_defaults_is_not_calibrated(self):
        # What the plan does (reuse) was never learnt: its range stays.
        items = [Item(i, action='reuse') for i in range(4)]
        made, plain = self.calibrated(self.slow_plan(2.0), items=items)
        self.assertEqual('defaults', made['basis'])
        self.assertEqual((plain['low_s'], plain['high_s']),
                         (made['low_s'], made['high_s']))
        self.assertIsNone(made['calibration'])

    def test_the_time_left_is_calibrated_alike(self):
        items = [Item(i) for i in range(100, 120)]
        made, _plain = self.calibrated(self.slow_plan(2.0), items=items)
        left = estimate.time_left(Migration('planned', made), items,
                                  now=NOW)
        self.assertEqual((made['low_s'], made['high_s']),
                         (left['remaining_low_s'], left['remaining_high_s']))
        for item in items[:10]:
            item.state, item.work_seconds = 'done', 4.0
        left = estimate.time_left(Migration('running', made), items,
                                  now=NOW)
        self.assertEqual((17, 23), (left['remaining_low_s'],
                                    left['remaining_high_s']))

    def test_a_stored_calibration_is_read_back(self):
        found = params.Calibration((2.0, 1.0, 4.0))
        self.assertEqual(found, params.Calibration.from_dict(
            found.to_dict()))
        self.assertIsNone(params.Calibration.from_dict(None))
        self.assertIsNone(params.Calibration.from_dict({'ratios': []}))


class TestTimeView(EstimateTestCase):

    def test_a_time_that_cannot_be_told_is_all_none(self):
        migration = Migration('running', {'costs': {'x create': {}}})
        migration.uuid = 'm1'
        with self.assertLogs('pumphouse.engine.views', 'WARNING'):
            found = views.time_view(migration, [Item(1)])
        self.assertEqual({'elapsed_s': None, 'remaining_low_s': None,
                          'remaining_high_s': None, 'scale': None,
                          'observed_items': 0}, found)

    def test_a_cycle_does_not_hang_the_critical_path(self):
        works = [estimate.Work(1, (2,), params.Range(1, 1),
                               params.Range(0, 0)),
                 estimate.Work(2, (1,), params.Range(1, 1),
                               params.Range(0, 0)),
                 estimate.Work(3, (3, 3), params.Range(1, 1),
                               params.Range(0, 0))]
        self.assertEqual(params.Range(0, 0), estimate.critical_path(works))
        works = [estimate.Work(1, (), params.Range(1, 2),
                               params.Range(0, 0)),
                 estimate.Work(2, (1, 1), params.Range(1, 2),
                               params.Range(3, 4))]
        self.assertEqual(params.Range(5, 8), estimate.critical_path(works))


def chain_work(item_id: int, low: float, high: float | None = None,
               needs=()) -> estimate.Work:
    """A work of ``low`` to ``high`` (else ``low``) fixed seconds."""
    return estimate.Work(item_id, tuple(needs),
                         params.Range(low, low if high is None else high),
                         params.Range(0, 0))


def low_cost(work: estimate.Work) -> float:
    return work.total('low')


class TestLongestChains(base.BaseTestCase):
    """The walk the critical path and the ready queue's tails share."""

    # 1 (1 s) -> 2 (5 s) -> 4 (2 s); 1 -> 3 (1 s) -> 4
    DIAMOND = (chain_work(1, 1), chain_work(2, 5, needs=[1]),
               chain_work(3, 1, needs=[1]), chain_work(4, 2, needs=[2, 3]))

    def test_an_empty_plan_has_no_chains(self):
        self.assertEqual([{}], estimate.longest_chains([], [low_cost]))
        self.assertEqual([{}, {}], estimate.longest_chains(
            [], [low_cost, low_cost], to_end=False))
        self.assertEqual(params.Range(0, 0), estimate.critical_path([]))

    def test_a_chain(self):
        works = [chain_work(1, 1), chain_work(2, 2, needs=[1]),
                 chain_work(3, 4, needs=[2])]
        self.assertEqual([{1: 7, 2: 6, 3: 4}],
                         estimate.longest_chains(works, [low_cost]))
        self.assertEqual([{1: 1, 2: 3, 3: 7}], estimate.longest_chains(
            works, [low_cost], to_end=False))

    def test_a_diamond_takes_its_longer_side(self):
        self.assertEqual([{1: 8, 2: 7, 3: 3, 4: 2}],
                         estimate.longest_chains(self.DIAMOND, [low_cost]))
        self.assertEqual([{1: 1, 2: 6, 3: 2, 4: 8}], estimate.longest_chains(
            self.DIAMOND, [low_cost], to_end=False))
        self.assertEqual(params.Range(8, 8),
                         estimate.critical_path(self.DIAMOND))

    def test_each_cost_has_its_own_chains(self):
        # The longer side on the low costs is the shorter on the high.
        works = [chain_work(1, 1, 1), chain_work(2, 5, 6, needs=[1]),
                 chain_work(3, 1, 9, needs=[1]),
                 chain_work(4, 2, 2, needs=[2, 3])]
        low, high = estimate.longest_chains(
            works, [low_cost, lambda w: w.total('high')])
        self.assertEqual({1: 8, 2: 7, 3: 3, 4: 2}, low)
        self.assertEqual({1: 12, 2: 8, 3: 11, 4: 2}, high)
        self.assertEqual(params.Range(8, 12), estimate.critical_path(works))

    def test_the_order_of_the_works_does_not_matter(self):
        expected = estimate.longest_chains(self.DIAMOND, [low_cost])
        for works in itertools.permutations(self.DIAMOND):
            self.assertEqual(expected, estimate.longest_chains(
                works, [low_cost]))
        rand = random.Random(7)
        works = [chain_work(i, rand.randint(1, 50), needs=rand.sample(
            range(1, i), min(i - 1, rand.randint(0, 3))))
            for i in range(1, 200)]
        to_end = estimate.longest_chains(works, [low_cost])
        from_start = estimate.longest_chains(works, [low_cost], False)
        path = estimate.critical_path(works)
        for _ in range(5):
            rand.shuffle(works)
            self.assertEqual(to_end, estimate.longest_chains(
                works, [low_cost]))
            self.assertEqual(from_start, estimate.longest_chains(
                works, [low_cost], False))
            self.assertEqual(path, estimate.critical_path(works))
        # Either way, the longest chain is the critical path.
        self.assertEqual(path.low, max(to_end[0].values()))
        self.assertEqual(path.low, max(from_start[0].values()))

    def test_a_cycle_leaves_out_the_chains_through_it(self):
        # 1 -> 2 <-> 3 -> 4, and needs outside the works.
        works = [chain_work(1, 1), chain_work(2, 1, needs=[1, 3]),
                 chain_work(3, 1, needs=[2]), chain_work(4, 1, needs=[3]),
                 chain_work(5, 1, needs=[99])]
        self.assertEqual([{4: 1, 5: 1}],
                         estimate.longest_chains(works, [low_cost]))
        self.assertEqual([{1: 1, 5: 1}], estimate.longest_chains(
            works, [low_cost], to_end=False))
