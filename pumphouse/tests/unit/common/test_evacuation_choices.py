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

"""The per-server choices of an evacuation, read the same way by both
command lines."""

import argparse
import unittest

from pumphouse.common import evacuation_choices as choices


def parser(can_leave: bool = True) -> argparse.ArgumentParser:
    made = argparse.ArgumentParser(exit_on_error=False)
    choices.add_options(made, metavar='SERVER', repeat='may be repeated',
                        can_leave=can_leave)
    return made


class TestChoices(unittest.TestCase):

    def test_each_server_its_choice(self):
        parsed = parser().parse_args(
            ['--to-destination', 'a', '--leave', 'b', '--override', 'c',
             '--override', 'd'])
        self.assertEqual(({'a': 'to_destination', 'b': 'leave',
                           'c': 'override', 'd': 'override'}, False),
                         choices.read(parsed))

    def test_to_destination_without_a_server_is_every_server(self):
        parsed = parser().parse_args(['--to-destination', '--override',
                                      'c'])
        self.assertEqual(({'c': 'override'}, True), choices.read(parsed))

    def test_one_server_two_choices_is_refused(self):
        parsed = parser().parse_args(['--leave', 'a', '--override', 'a'])
        with self.assertRaisesRegex(choices.ConflictingChoices,
                                    'server a is given two choices: '
                                    'leave and override'):
            choices.read(parsed)

    def test_the_same_choice_twice_is_one(self):
        parsed = parser().parse_args(['--leave', 'a', '--leave', 'a'])
        self.assertEqual(({'a': 'leave'}, False), choices.read(parsed))

    def test_no_leave_where_servers_cannot_stay(self):
        self.assertRaises(SystemExit, parser(can_leave=False).parse_args,
                          ['--leave', 'a'])
        self.assertEqual(({}, False),
                         choices.read(parser(can_leave=False).parse_args(
                             [])))

    def test_help_names_the_front_ends_words(self):
        text = parser().format_help()
        self.assertIn('without SERVER, every server', text)
        self.assertIn('(may be repeated)', text)
