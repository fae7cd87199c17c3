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

"""What the commands print, and the progress display."""

import datetime
import io
import types

import testtools

from pumphouse.cli import output
from pumphouse.cli import progress


def item(item_id, resource_type='identity.user', name='alice',
         action='create', state='pending', **details):
    return types.SimpleNamespace(
        id=item_id, resource_type=resource_type, source_id=f's{item_id}',
        source_name=name, action=action, state=state,
        destination_id=f'd{item_id}' if action != 'create' else None,
        details=details)


REPORT = {'checked': 3,
          'differences': [
              {'resource_type': 'identity.user', 'source_id': 'u1',
               'name': 'alice', 'destination_id': 'd1',
               'differences': {'email': {'source': 'a@x', 'destination':
                                         None}}},
              {'resource_type': 'identity.group', 'source_id': 'g1',
               'name': 'team', 'destination_id': 'd2', 'missing': True,
               'differences': {}}],
          'not_migrated': [
              {'resource_type': 'identity.project', 'source_id': 'p1',
               'name': None, 'destination_id': None, 'state': 'failed',
               'error': 'Conflict: nope'}]}


class TestOutput(testtools.TestCase):

    def test_table(self):
        text = output.table(['a', 'longer'], [['x', None], ['wide cell', 1]])
        lines = text.splitlines()
        self.assertEqual(6, len(lines))
        self.assertEqual(lines[0], lines[2])
        self.assertEqual(' a         | longer', lines[1].rstrip())
        self.assertEqual(' wide cell | 1', lines[4].rstrip())

    def test_plan_summary(self):
        items = [item(1, 'identity.project', 'web'),
                 item(2, action='reuse'), item(3, action='reuse'),
                 item(4, 'identity.role', 'admin', action='conflict',
                      differences={'description': {'source': 'A',
                                                   'destination': 'B'}})]
        self.assertEqual(
            ['Plan: 1 create, 2 reuse, 1 conflict (4 items)',
             '  identity.project  1 create',
             '  identity.role     1 conflict',
             '  identity.user     2 reuse',
             "conflict: identity.role admin (destination d4): "
             "description: 'A' in source, 'B' in destination"],
            output.plan_summary(items).splitlines())
        self.assertEqual('Plan: nothing (0 items)', output.plan_summary([]))

    def test_report_lines(self):
        lines = output.report_lines(REPORT)
        self.assertEqual('Verified 3 resources: 2 with differences, 1 not '
                         'migrated.', lines[0])
        self.assertIn("  differs: identity.user alice email: 'a@x' in "
                      "source, None in destination", lines)
        self.assertIn('  missing: identity.group team (destination d2 is '
                      'gone)', lines)
        self.assertIn('  not migrated: identity.project p1 (failed): '
                      'Conflict: nope', lines)
        self.assertEqual(['Not verified yet.'], output.report_lines(None))

    def test_report_is_clean(self):
        self.assertFalse(output.report_is_clean(REPORT))
        self.assertFalse(output.report_is_clean(None))
        self.assertFalse(output.report_is_clean(
            dict(REPORT, differences=[])))
        self.assertTrue(output.report_is_clean(
            {'checked': 4, 'differences': [], 'not_migrated': []}))

    def test_workload_text(self):
        self.assertEqual(
            'project: web, db (domain d1); identity.role=all, '
            'identity.user=tenant; supplementary all',
            output.workload_text({
                'workload': {'kind': 'project', 'names': ['web', 'db'],
                             'domain': 'd1'},
                'strategies': {'identity.user': 'tenant',
                               'identity.role': 'all'},
                'supplementary': 'all'}))
        self.assertEqual(
            'stack: web, db in project demo (domain Default)',
            output.workload_text({
                'workload': {'kind': 'stack', 'names': ['web', 'db'],
                             'project': 'demo', 'domain': 'Default'}}))

    def test_timestamp(self):
        self.assertEqual('-', output.timestamp(None))
        self.assertEqual('2026-01-02 03:04:05 UTC', output.timestamp(
            datetime.datetime(2026, 1, 2, 3, 4, 5, 678)))


class TestProgress(testtools.TestCase):

    def items(self):
        return [item(1, state='done'), item(2, state='skipped'),
                item(3, state='failed'), item(4)]

    def test_plain_lines(self):
        stream = io.StringIO()
        shown = progress.Progress(self.items(), stream, interactive=False)
        self.assertEqual(2, shown.done)
        shown('apply', 'Applying the plan', 'INFO', None)
        shown('done', 'identity.user alice: created d3', 'INFO', item(3))
        shown('blocked', 'identity.user bob: a resource it needs was not '
                         'migrated', 'WARNING', item(4))
        shown('done', 'identity.user alice: created d3', 'INFO', item(3))
        shown.close()
        self.assertEqual(
            ['INFO    apply: Applying the plan',
             'INFO    [3/4] done: identity.user alice: created d3',
             'WARNING [4/4] blocked: identity.user bob: a resource it '
             'needs was not migrated',
             'INFO    [4/4] done: identity.user alice: created d3'],
            stream.getvalue().splitlines())

    def test_not_finished_by_other_events(self):
        shown = progress.Progress(self.items(), io.StringIO(),
                                  interactive=False)
        shown('reverted', 'deleted d3', 'WARNING', item(3))
        shown('adopted', 'found d4', 'INFO', item(4))
        self.assertEqual(2, shown.done)

    def test_bar(self):
        stream = io.StringIO()
        shown = progress.Progress(self.items(), stream, interactive=True)
        shown('done', 'identity.user alice: created d3', 'INFO', item(3))
        self.assertEqual('[' + '#' * 22 + '.' * 8 + '] 3/4 identity.user '
                         'alice: created d3', shown.bar(90))
        self.assertEqual(29, len(shown.bar(30)))
        shown('failed', 'identity.user bob: Conflict', 'ERROR', item(4))
        shown.close()
        text = stream.getvalue()
        # Errors get a line of their own above the bar.
        self.assertIn('\r\033[Kerror: identity.user bob: Conflict\n', text)
        self.assertTrue(text.endswith('\n'))
        self.assertIn('4/4', text.rsplit('\r', 1)[-1])

    def test_empty_plan(self):
        shown = progress.Progress([], io.StringIO(), interactive=True)
        self.assertTrue(shown.bar(80).startswith('[' + '#' * 26 + '] 0/0'))

    TIME = {'elapsed_s': 125, 'remaining_low_s': 180,
            'remaining_high_s': 540, 'scale': 1.5, 'observed_items': 9}

    def test_lines_and_bar_have_the_time(self):
        stream = io.StringIO()
        shown = progress.Progress(self.items(), stream, interactive=False,
                                  timing=lambda: self.TIME)
        shown('done', 'identity.user alice: created d3', 'INFO', item(3))
        self.assertEqual('INFO    [3/4; elapsed 2 min, 3 min to 9 min left] '
                         'done: identity.user alice: created d3',
                         stream.getvalue().splitlines()[0])
        shown = progress.Progress(self.items(), io.StringIO(),
                                  interactive=True, timing=lambda: self.TIME)
        shown('done', 'identity.user alice: created d3', 'INFO', item(3))
        self.assertEqual('[' + '#' * 30 + '.' * 10 + '] 3/4 (elapsed 2 min, '
                         '3 min to 9 min left) identity.user alice: '
                         'created d3', shown.bar(150))

    def test_the_time_is_read_now_and_then_and_may_fail(self):
        readings = []

        def timing():
            readings.append(1)
            if len(readings) > 1:
                raise RuntimeError('database gone')
            return self.TIME

        shown = progress.Progress(self.items(), io.StringIO(),
                                  interactive=False, timing=timing)
        for _ in range(5):
            shown('done', 'alice: created d3', 'INFO', item(3))
        self.assertEqual(1, len(readings))
        shown._time_read -= progress.TIME_REFRESH
        shown('done', 'alice: created d3', 'INFO', item(3))
        self.assertEqual(2, len(readings))
        # The last time read stays.
        self.assertIn('3 min to 9 min left', shown.line(
            'done', 'x', 'INFO', 3))


class TestCheckLines(testtools.TestCase):

    CHECKS = [
        {'name': 'quota:demo:network.port', 'category': 'quota',
         'status': 'failed', 'message': 'needs 3, 2 free'},
        {'name': 'capacity:VCPU', 'category': 'capacity',
         'status': 'passed', 'message': 'needs 4, 100 free'},
        {'name': 'addresses:public:203.0.113.5', 'category': 'addresses',
         'status': 'warning', 'message': 'taken'}]

    def test_summary_then_what_did_not_pass(self):
        self.assertEqual([
            'Pre-checks: 1 failed, 1 passed, 1 warning',
            '  FAILED     quota:demo:network.port: needs 3, 2 free',
            '  WARNING    addresses:public:203.0.113.5: taken'],
            output.check_lines(self.CHECKS))

    def test_overridden_failures_say_so(self):
        lines = output.check_lines(self.CHECKS, ['quota'])
        self.assertEqual('  OVERRIDDEN quota:demo:network.port: needs 3, '
                         '2 free', lines[1])

    def test_no_checks_no_lines(self):
        self.assertEqual([], output.check_lines([]))
