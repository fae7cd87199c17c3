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

"""Bytes of data transfers written to plan items, throttled."""

import itertools
from unittest import mock

from pumphouse.db import migration_api
from pumphouse.drivers.resources.image import transfer
from pumphouse.engine import context as context_mod
from pumphouse.tests.unit.drivers import test_image_transfer as fakes
from pumphouse.tests.unit.engine import test_apply


class ProgressTestCase(test_apply.ApplyTestCase):

    def setUp(self):
        super().setUp()
        self.plan = self.migration('red')
        self.key = ('test.team', self.red)
        self.ctx_ = self.run_context()

    def run_context(self):
        """The context of a run that applies the plan."""
        ctx = self.ctx()
        ctx.remember_items(migration_api.list_plan_items(self.plan.id))
        return ctx

    def item(self):
        return self.items(self.plan)['red']

    def clock(self, step: float) -> None:
        """Each reading of the throttle's clock is ``step`` later."""
        ticks = itertools.count()
        self.patch(context_mod, '_now', lambda: next(ticks) * step)

    def writes(self):
        """Spy on the writes of progress: a list of their values."""
        written = []
        real = migration_api.update_plan_item

        def spy(item_id, values):
            written.append(values['bytes_done'])
            real(item_id, values)

        patcher = mock.patch.object(migration_api, 'update_plan_item',
                                    side_effect=spy)
        patcher.start()
        self.addCleanup(patcher.stop)
        return written

    def stream(self, ctx, chunks, total):
        # Not checked here: any bytes will do.
        image = fakes.image(size=None, checksum=None, hash_value=None)
        source, destination = fakes.connections(
            chunks, stored=fakes.image(size=None, checksum=None,
                                       hash_value=None, hash_algo=None))
        return transfer.stream_image(
            source, image, destination, 'd1',
            progress=lambda done, final: ctx.progress(
                self.key, done, total, final))


class TestProgress(ProgressTestCase):

    def test_a_transfer_writes_its_bytes_and_total(self):
        self.assertEqual((0, None), (self.item().bytes_done,
                                     self.item().bytes_total))
        copied = self.stream(self.ctx_, fakes.DATA, 1025)
        item = self.item()
        self.assertEqual(1025, copied.size)
        self.assertEqual((1025, 1025), (item.bytes_done, item.bytes_total))

    def test_unknown_total_is_left_unknown_and_final_is_written(self):
        self.clock(0)
        written = self.writes()
        self.stream(self.ctx_, [b'x' * 10] * 3, None)
        self.assertEqual([0, 30], written)
        self.assertEqual((30, None), (self.item().bytes_done,
                                      self.item().bytes_total))

    def test_no_time_passing_writes_only_start_and_end(self):
        self.clock(0)
        self.patch(context_mod, 'PROGRESS_BYTES', 10)
        written = self.writes()
        self.stream(self.ctx_, [b'x' * 100] * 50, 5000)
        self.assertEqual([0, 5000], written)

    def test_bytes_and_time_must_both_have_passed(self):
        # A clock reading of 0.5 s per report and 250 bytes: a write
        # waits for the later of the two.
        self.clock(0.5)
        self.patch(context_mod, 'PROGRESS_INTERVAL', 1.0)
        self.patch(context_mod, 'PROGRESS_BYTES', 250)
        written = self.writes()
        self.stream(self.ctx_, [b'x' * 100] * 10, 1000)
        self.assertEqual([0, 300, 600, 900, 1000], written)

    def test_slow_transfer_is_bounded_by_bytes(self):
        self.clock(60)
        self.patch(context_mod, 'PROGRESS_BYTES', 1000)
        written = self.writes()
        self.stream(self.ctx_, [b'x' * 100] * 50, 5000)
        self.assertEqual([0, 1000, 2000, 3000, 4000, 5000], written)
        self.assertLessEqual(len(written), 2 + 5000 // 1000)

    def test_resume_restarts_from_what_is_copied(self):
        self.clock(0)
        self.stream(self.ctx_, [b'x' * 100] * 9, 1000)
        self.assertEqual(900, self.item().bytes_done)
        # The process died; the next run streams the image again.
        resumed = self.run_context()
        resumed.progress(self.key, 0, 1000)
        self.assertEqual((0, 1000), (self.item().bytes_done,
                                     self.item().bytes_total))
        self.stream(resumed, [b'x' * 100] * 10, 1000)
        self.assertEqual(1000, self.item().bytes_done)

    def test_a_transfer_started_over_in_the_same_run_is_written(self):
        self.clock(0)
        written = self.writes()
        for done in (0, 500, 1000, 0, 300):
            self.ctx_.progress(self.key, done, 1000)
        # No time passes: 500 and 300 wait; 1000 is the end; 0 after
        # 1000 is a transfer that starts over.
        self.assertEqual([0, 1000, 0], written)
        self.assertEqual(0, self.item().bytes_done)

    def test_items_the_run_does_not_know_are_ignored(self):
        written = self.writes()
        self.ctx_.progress(('test.team', 'elsewhere'), 10, 10, final=True)
        self.assertEqual([], written)

    def test_a_failed_write_does_not_stop_the_transfer(self):
        with mock.patch.object(migration_api, 'update_plan_item',
                               side_effect=RuntimeError('db gone')):
            self.assertEqual(1025, self.stream(self.ctx_, fakes.DATA,
                                               1025).size)
