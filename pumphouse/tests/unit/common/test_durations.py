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

"""Durations and estimates in words."""

import testtools

from pumphouse.common import durations


class TestDurations(testtools.TestCase):

    def test_duration(self):
        self.assertEqual(['-', '0 s', '59 s', '89 s', '2 min', '89 min',
                          '1 h 30 min', '26 h 01 min'],
                         [durations.duration(s) for s in (
                             None, -3, 59, 89, 90, 89 * 60,
                             90 * 60, 26 * 3600 + 60)])

    def test_span(self):
        self.assertEqual('about 2 min', durations.span(100, 110))
        self.assertEqual('5 s to 2 min', durations.span(5, 120))
        self.assertEqual('-', durations.span(None, 3))

    def test_estimate_text(self):
        self.assertEqual('no estimate (planned before estimates were made)',
                         durations.estimate_text(None))
        self.assertEqual(
            '3 min to 15 min (learnt from earlier migrations between these '
            'clouds: 120 items of 2 migrations; 4 workers, 2 copies at '
            'once)',
            durations.estimate_text({
                'low_s': 180, 'high_s': 900, 'basis': 'history',
                'history': {'migrations': 2, 'items': 120},
                'parallelism': {'workers': 4, 'max_transfers': 2,
                                'max_servers_per_host': 2}}))
        self.assertEqual('about 6 s (from the default ranges: no earlier '
                         'migration between these clouds to learn from)',
                         durations.estimate_text({'low_s': 6, 'high_s': 6,
                                                  'basis': 'defaults'}))

    def test_a_calibrated_estimate_says_so(self):
        made = {'low_s': 34, 'high_s': 46, 'basis': 'partial',
                'history': {'migrations': 1, 'items': 53},
                'calibration': {'migrations': 1, 'scale': 0.614,
                                'range': [0.52, 0.71], 'ratios': [0.614]}}
        self.assertEqual(
            '34 s to 46 s (partly learnt from earlier migrations between '
            'these clouds, partly from the default ranges: 53 items of 1 '
            'migrations; scaled 0.61x to the actual time of 1 completed '
            'migration)', durations.estimate_text(made))
        made['calibration'].update(migrations=3, scale=2.0)
        self.assertIn('scaled 2x to the actual time of 3 completed '
                      'migrations)', durations.estimate_text(made))

    def test_time_text(self):
        time = {'elapsed_s': 600, 'remaining_low_s': 60,
                'remaining_high_s': 300, 'scale': 1.25,
                'observed_items': 12}
        self.assertEqual('elapsed 10 min, 60 s to 5 min left; the 12 items '
                         'done took 1.2x their estimate',
                         durations.time_text(time))
        self.assertEqual('elapsed 10 min, 60 s to 5 min left',
                         durations.time_text(time, brief=True))
        self.assertEqual('elapsed 10 min, nothing left', durations.time_text(
            dict(time, remaining_low_s=0, remaining_high_s=0)))
        self.assertEqual('-', durations.time_text(None))
        self.assertEqual('-', durations.time_text(
            {'elapsed_s': None, 'remaining_low_s': None,
             'remaining_high_s': None}))
