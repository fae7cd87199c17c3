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

"""The columns that print nested fields in every cliff format."""

import argparse

import testtools

from pumphouse.osc.v1 import common
from pumphouse.osc.v1 import wait


class TestColumns(testtools.TestCase):

    def test_structures_become_structure_columns(self):
        column = common.cell({'b': [1, 2], 'a': 'é'})
        self.assertIsInstance(column, common.StructureColumn)
        self.assertEqual({'b': [1, 2], 'a': 'é'}, column.machine_readable())
        self.assertEqual('{"a": "é", "b": [1, 2]}', column.human_readable())
        self.assertEqual('[]', common.cell([]).human_readable())
        for scalar in ('text', 3, None, True):
            self.assertIs(scalar, common.cell(scalar))

    def test_joined_column(self):
        column = common.JoinedColumn(['compute-2', 'compute-1'])
        self.assertEqual('compute-2, compute-1', column.human_readable())
        self.assertEqual(['compute-2', 'compute-1'],
                         column.machine_readable())
        self.assertEqual('', common.JoinedColumn([]).human_readable())

    def test_show_and_text_formatters(self):
        columns, values = common.show({'b': {'x': 1}, 'a': 'v'})
        self.assertEqual(('a', 'b'), columns)
        self.assertEqual(['v', '{"x": 1}'],
                         [common.as_text(v) for v in values])
        rows = [['v', common.cell({'x': 1})]]
        self.assertIs(rows, common.rows_for('json', rows))
        self.assertEqual([['v', '{"x": 1}']],
                         list(common.rows_for('value', rows)))


class TestWaitOption(testtools.TestCase):

    def parser(self) -> argparse.ArgumentParser:
        parser = argparse.ArgumentParser(exit_on_error=False)
        parser.add_argument('thing')
        wait.add_wait_option(parser, 'it is done')
        return parser

    def test_forms(self):
        parser = self.parser()
        for args, timeout in ((['x'], None), (['x', '--wait'], 0),
                              (['x', '--wait', '0'], 0),
                              (['--wait', '30', 'x'], 30),
                              (['x', '--wait', '--timeout', '9'], 9)):
            with self.subTest(args=args):
                self.assertEqual(timeout,
                                 wait.requested(parser.parse_args(args)))

    def test_bad_time_outs(self):
        for text, message in (('-1', 'cannot be negative'),
                              ('soon', "'soon' is not a time-out in "
                                       'seconds (give --wait after the '
                                       'other arguments')):
            with self.subTest(text=text):
                error = self.assertRaises(argparse.ArgumentTypeError,
                                          wait.time_out, text)
                self.assertIn(message, str(error))

    def test_help(self):
        text = ' '.join(self.parser().format_help().split())
        self.assertIn('--wait [<time-out>] Wait until it is done', text)
        self.assertIn('0 (the default) waits as long as it takes', text)
        self.assertNotIn('--timeout', text)
