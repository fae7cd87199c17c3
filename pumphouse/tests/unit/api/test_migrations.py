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

"""/v1/migrations and /v1/mappings through the WSGI application.

The in-process conductor works for real on clouds that cannot be reached,
so planning ends ``failed``; the other states are set up directly in the
database. Migrations "in progress" belong to a live conductor that does
not exist (``elsewhere``), so that no take-over touches them.
"""

import datetime
import os

import webtest
from cryptography import fernet
from oslo_utils import timeutils

from pumphouse.api import app as api_app
from pumphouse.cli import local
from pumphouse.common import crypto
from pumphouse.conf import CONF
from pumphouse.db import api as db_api
from pumphouse.db import migration_api
from pumphouse.db import models
from pumphouse.db import owner_api
from pumphouse.engine import render
from pumphouse.engine import states
from pumphouse.tests import base
from pumphouse.tests.unit.api import test_policy
from pumphouse.tests.unit.conductor import test_migrations as work

ELSEWHERE = 'elsewhere'
V13 = {'OpenStack-API-Version': 'migration 1.3'}
V14 = {'OpenStack-API-Version': 'migration 1.4'}
STACKS = {'kind': 'stack', 'names': ['web', 'db'], 'project': 'demo',
          'domain': 'Default'}


def create_body(**extra) -> dict:
    body = {'source': 'src', 'destination': 'dst',
            'workload': {'kind': 'project', 'names': ['p1']}}
    body.update(extra)
    return body


class MigrationsTestCase(base.APITestCase):

    def configure(self):
        self.config(api_retries=0, group='clouds')
        self.src = work.register_cloud('src')
        self.dst = work.register_cloud('dst')
        work.fake_conductor(ELSEWHERE)

    def make(self, state=states.PLANNED, **values):
        if state in states.ACTIVE_STATES or state == states.CANCELLED:
            values.setdefault('owner', ELSEWHERE)
        return work.make_migration(state, project_id='noauth', **values)

    def url(self, migration, suffix=''):
        return f'/v1/migrations/{migration.uuid}{suffix}'


class TestCreate(MigrationsTestCase):

    def test_created_planning_and_planned_by_a_conductor(self):
        response = self.app.post_json('/v1/migrations', create_body(
            name='m1', strategies={'identity.user': 'all'},
            options={'conflict_resolution': 'rename', 'apply_workers': 2}),
            status=202)
        body = response.json
        self.assertEqual(f'http://localhost/v1/migrations/{body["uuid"]}',
                         response.headers['Location'])
        self.assertEqual((states.PLANNING, 'm1', 'noauth'),
                         (body['state'], body['name'], body['project_id']))
        self.assertEqual((self.src.uuid, self.dst.uuid),
                         (body['source'], body['destination']))
        self.assertEqual({'kind': 'project', 'names': ['p1']},
                         body['workload'])
        self.assertEqual({'identity.user': 'all'}, body['strategies'])
        self.assertEqual({'conflict_resolution': 'rename',
                          'rename_suffix': '-migrated',
                          'password_mode': 'reset', 'apply_workers': 2},
                         body['options'])
        self.assertEqual(0, body['items']['total'])
        failed = work.wait_for_state(body['uuid'], states.FAILED)
        self.assertIn(work.REFUSED, failed.last_error)
        shown = self.app.get(f'/v1/migrations/{body["uuid"]}').json
        self.assertEqual((states.FAILED, failed.last_error),
                         (shown['state'], shown['last_error']))

    def test_clouds_by_uuid(self):
        body = create_body(source=self.src.uuid, destination=self.dst.uuid)
        self.app.post_json('/v1/migrations', body, status=202)

    def _bad(self, body, message, status=400, headers=None):
        response = self.app.post_json('/v1/migrations', body, status=status,
                                      headers=headers)
        self.assertIn(message, response.json['error']['message'])
        # A conductor's refusal comes without the conductor's traceback.
        self.assertNotIn('Traceback', response.text)
        self.assertEqual([], migration_api.list_migrations())

    def test_bad_requests_store_nothing(self):
        self._bad(create_body(colour='red'), "('colour' was unexpected)")
        self._bad({'source': 'src', 'destination': 'dst'},
                  "'workload' is a required property")
        self._bad(create_body(workload={'kind': 'stack', 'names': ['x']}),
                  'workload/kind')
        self._bad(create_body(workload={'kind': 'project', 'names': []}),
                  'workload/names')
        self._bad(create_body(strategies={'identity.user': 'most'}),
                  'strategies/identity.user')
        self._bad(create_body(strategies={'compute.warp': 'all'}),
                  "unknown resource type 'compute.warp'")
        self._bad(create_body(
            strategies={'identity.role_inference': 'tenant'}),
            "identity.role_inference does not support strategy 'tenant'")
        self._bad(create_body(options={'conflict_resolution': 'maybe'}),
                  'options/conflict_resolution')
        self._bad(create_body(options={'apply_workers': 0}),
                  'options/apply_workers')
        self._bad(create_body(destination='src'),
                  'the source and the destination are the same cloud')
        self._bad(create_body(source='nowhere'),
                  'Cloud nowhere could not be found.')
        self._bad(create_body(supplementary='some'), 'supplementary')

    def test_stack_workload_from_microversion_1_4(self):
        for workload in (STACKS, {'kind': 'stack', 'names': ['web']}):
            response = self.app.post_json(
                '/v1/migrations', create_body(workload=workload),
                headers=V14, status=202)
            self.assertEqual('migration 1.4',
                             response.headers['OpenStack-API-Version'])
            self.assertEqual(workload, response.json['workload'])
            stored = migration_api.get_migration(response.json['uuid'])
            self.assertEqual(workload, stored.workload['workload'])
            # Shown in older microversions as it is.
            shown = self.app.get(f'/v1/migrations/{stored.uuid}').json
            self.assertEqual(workload, shown['workload'])

    def test_stack_workload_refused_before_microversion_1_4(self):
        needs = ('in microversion {}; this body needs microversion 1.4 '
                 '(header OpenStack-API-Version: migration 1.4)')
        for headers, asked in ((V13, '1.3'), (None, '1.0')):
            self._bad(create_body(workload={'kind': 'stack',
                                            'names': ['web']}),
                      "workload/kind: 'stack' is not one of "
                      "['project', 'domain', 'server', 'host', 'resources']"
                      f' {needs.format(asked)}', headers=headers)
            self._bad(create_body(workload=STACKS), needs.format(asked),
                      headers=headers)
            self._bad(create_body(workload={'kind': 'project',
                                            'names': ['p1'],
                                            'project': 'p1'}),
                      "('project' was unexpected) "
                      f'{needs.format(asked)}', headers=headers)
        # Invalid in 1.4 too: no microversion would take it.
        response = self.app.post_json(
            '/v1/migrations', create_body(workload={'kind': 'volume',
                                                    'names': ['v1']}),
            headers=V13, status=400)
        self.assertNotIn('microversion', response.json['error']['message'])

    def test_project_only_for_stack_workloads(self):
        self._bad(create_body(workload={'kind': 'project', 'names': ['p1'],
                                        'project': 'p1'}),
                  'project names the project of the stacks of a stack '
                  'workload', headers=V14)
        self._bad(create_body(workload={'kind': 'stack', 'names': ['web'],
                                        'domain': 'Default'}),
                  "domain names the domain of a stack workload's project",
                  headers=V14)
        self._bad(create_body(workload={'kind': 'stack', 'names': ['web'],
                                        'project': ''}),
                  'workload/project', headers=V14)
        self._bad(create_body(workload={'kind': 'stack', 'names': ['web'],
                                        'hosts': ['h1']}),
                  'hosts limit a project workload', headers=V14)

    def test_malformed_json(self):
        response = self.app.post('/v1/migrations', '{"source": ',
                                 content_type='application/json',
                                 status=400)
        self.assertIn('malformed JSON', response.json['error']['message'])

    def test_no_conductor_is_503_and_stores_nothing(self):
        self.conductor.stop()
        with db_api._writer() as session:
            session.query(models.Owner).update({'online': False})
        self._bad(create_body(), 'No conductor is alive', status=503)

    def test_a_running_command_is_not_a_conductor(self):
        """``pumphouse host ...`` or ``migrate`` heart-beating beside the
        API does not make it send work to nobody."""
        self.conductor.stop()
        with db_api._writer() as session:
            session.query(models.Owner).update({'online': False})
        with local.LocalConductor() as command:
            self.assertIn(command.name, owner_api.list_live_owners())
            self._bad(create_body(), 'No conductor is alive', status=503)
            self.app.post_json(
                '/v1/hosts', {'name': 'compute-9', 'source': 'src'},
                headers={'OpenStack-API-Version': 'migration 1.1'},
                status=503)


class TestListShowDelete(MigrationsTestCase):

    def test_pagination_sorting_and_filter(self):
        made = [self.make(name=f'm{n}') for n in range(3)]
        failed = self.make(states.FAILED, name='f')
        page = self.app.get('/v1/migrations?limit=2').json
        self.assertEqual([m.uuid for m in made[:2]],
                         [m['uuid'] for m in page['migrations']])
        rest = self.app.get(page['next'].replace('http://localhost', ''))
        self.assertEqual([made[2].uuid, failed.uuid],
                         [m['uuid'] for m in rest.json['migrations']])
        end = self.app.get(rest.json['next'].replace('http://localhost', ''))
        self.assertEqual({'migrations': []}, end.json)
        desc = self.app.get('/v1/migrations?sort_key=name&sort_dir=desc')
        self.assertEqual(['m2', 'm1', 'm0', 'f'],
                         [m['name'] for m in desc.json['migrations']])
        only = self.app.get('/v1/migrations?state=failed').json
        self.assertEqual([failed.uuid],
                         [m['uuid'] for m in only['migrations']])

    def test_bad_list_queries(self):
        for query in ('limit=0', 'limit=x', 'sort_key=secret',
                      'state=asleep', 'colour=red',
                      'marker=7c1c7a1e-0000-4000-8000-000000000000'):
            response = self.app.get(f'/v1/migrations?{query}', status=400)
            self.assertEqual(400, response.json['error']['code'])

    def test_show_counts_items_and_passwords(self):
        migration = self.make()
        work.add_role_item(migration)
        migration_api.add_issued_password(migration.id, 's1', 'd1', 'alice',
                                          'Default', crypto.encrypt(
                                              {'password': 'x'}))
        body = self.app.get(self.url(migration)).json
        self.assertEqual({'total': 1, 'by_state': {'pending': 1},
                          'by_action': {'create': 1}}, body['items'])
        self.assertEqual(1, body['passwords_available'])
        self.assertFalse(body['report_available'])

    def test_show_has_the_estimate_and_the_time(self):
        stored = {'low_s': 2, 'high_s': 12, 'basis': 'history',
                  'parallelism': {'workers': 1, 'max_transfers': 1,
                                  'max_servers_per_host': 1},
                  'costs': {'identity.role create': {
                      'fixed_s': [2.0, 12.0], 'rate_bps': None,
                      'basis': 'history', 'samples': 3}}}
        migration = self.make(
            states.RUNNING, estimate=stored,
            started_at=timeutils.utcnow() - datetime.timedelta(minutes=2))
        work.add_role_item(migration)
        body = self.app.get(self.url(migration)).json
        self.assertEqual(stored, body['estimate'])
        self.assertEqual({'remaining_low_s': 2, 'remaining_high_s': 12,
                          'scale': None, 'observed_items': 0},
                         {k: v for k, v in body['time'].items()
                          if k != 'elapsed_s'})
        self.assertGreaterEqual(body['time']['elapsed_s'], 120)
        # A list shows neither.
        listed = self.app.get('/v1/migrations').json['migrations'][0]
        self.assertNotIn('estimate', listed)
        self.assertNotIn('time', listed)

    def test_a_calibrated_estimate_and_its_time(self):
        self.config(response_validation='error', group='api')
        stored = {'low_s': 11, 'high_s': 17, 'basis': 'history',
                  'calibration': {'migrations': 1, 'scale': 2.0,
                                  'range': [1.7, 2.3], 'ratios': [2.0],
                                  'model_low_s': 2, 'model_high_s': 12},
                  'parallelism': {'workers': 1, 'max_transfers': 1,
                                  'max_servers_per_host': 1},
                  'costs': {'identity.role create': {
                      'fixed_s': [2.0, 12.0], 'rate_bps': None,
                      'basis': 'history', 'samples': 3}}}
        migration = self.make(states.PLANNED, estimate=stored)
        work.add_role_item(migration)
        body = self.app.get(self.url(migration)).json
        self.assertEqual(stored, body['estimate'])
        # The middle of 2..12 s twice, 15 % either side: the estimate.
        self.assertEqual((11, 17), (body['time']['remaining_low_s'],
                                    body['time']['remaining_high_s']))
        plan = self.app.get(self.url(migration, '/plan')).json
        self.assertEqual(stored, plan['estimate'])

    def test_a_migration_planned_before_estimates(self):
        migration = self.make()
        work.add_role_item(migration)
        body = self.app.get(self.url(migration)).json
        self.assertIsNone(body['estimate'])
        # The default range of one item.
        self.assertEqual((None, 1, 6), (body['time']['elapsed_s'],
                                        body['time']['remaining_low_s'],
                                        body['time']['remaining_high_s']))

    def test_unknown_migration_is_404(self):
        for path in ('/v1/migrations/nope', '/v1/migrations/nope/plan',
                     '/v1/migrations/nope/events'):
            response = self.app.get(path, status=404)
            self.assertEqual('Migration nope could not be found.',
                             response.json['error']['message'])

    def test_delete(self):
        migration = self.make(states.COMPLETED)
        work.add_role_item(migration, state='done', destination_id='R1')
        migration_api.add_event(migration.id, 'x', 'y')
        self.app.delete(self.url(migration), status=204)
        self.app.get(self.url(migration), status=404)
        self.assertEqual([], migration_api.list_events(migration.id))

    def test_delete_refused_while_worked_on(self):
        for state in states.ACTIVE_STATES + (states.CANCELLED,):
            migration = self.make(state)
            error = self.app.delete(self.url(migration),
                                    status=409).json['error']
            self.assertIn(migration.uuid, error['message'])
        self.assertEqual(4, len(migration_api.list_migrations()))


class TestState(MigrationsTestCase):

    def put(self, migration, target, status=202):
        return self.app.put_json(self.url(migration, '/state'),
                                 {'target': target}, status=status)

    def test_start_runs_and_completes(self):
        migration = self.make()
        work.add_role_item(migration, state='skipped', action='skip')
        body = self.put(migration, 'running').json
        self.assertEqual(states.RUNNING, body['state'])
        completed = work.wait_for_state(migration.uuid, states.COMPLETED)
        self.assertIsNotNone(completed.started_at)
        report = self.app.get(self.url(migration, '/report')).json
        self.assertEqual({'checked': 0, 'differences': [],
                          'not_migrated': []}, report)
        [event] = work.events(migration, 'state')
        self.assertEqual('running requested by user noauth', event.message)

    def test_no_plan_refuses_the_start(self):
        migration = self.make(states.FAILED)
        error = self.put(migration, 'running', 409).json['error']
        self.assertIn('has no plan', error['message'])

    def test_failed_planning_is_planned_again(self):
        migration = self.make(states.FAILED, last_error='boom')
        body = self.put(migration, 'planning').json
        self.assertEqual((states.PLANNING, None),
                         (body['state'], body['last_error']))
        failed = work.wait_for_state(migration.uuid, states.FAILED)
        self.assertIn(work.REFUSED, failed.last_error)

    def test_only_a_failed_planning_is_planned_again(self):
        planned = self.make(states.PLANNED)
        self.put(planned, 'planning', 409)
        failed_later = self.make(states.FAILED)
        work.add_role_item(failed_later)
        error = self.put(failed_later, 'planning', 409).json['error']
        self.assertIn('is failed and cannot go to planning', error['message'])

    def test_conflicts_refuse_the_start(self):
        migration = self.make()
        migration_api.add_plan_items(migration.id, [{
            'key': 'k', 'depends_on': [], 'resource_type': 'identity.role',
            'source_id': 'r1', 'source_name': 'auditor',
            'action': 'conflict', 'state': 'pending', 'details': {}}])
        error = self.put(migration, 'running', 409).json['error']
        self.assertIn('identity.role auditor', error['message'])
        self.assertEqual(states.PLANNED,
                         migration_api.get_migration(migration.uuid).state)

    def test_failed_checks_refuse_the_start_until_overridden(self):
        migration = self.make(checks=[
            {'name': 'quota:demo:network.port', 'category': 'quota',
             'status': 'failed', 'message': 'needs 3, 2 free',
             'needed': 3, 'available': 2}])
        work.add_role_item(migration, state='skipped', action='skip')
        error = self.put(migration, 'running', 409).json['error']
        self.assertIn('quota:demo:network.port: needs 3, 2 free',
                      error['message'])
        shown = self.app.get(self.url(migration, '')).json
        self.assertEqual([False], [c['overridden'] for c in shown['checks']])
        plan = self.app.get(self.url(migration, '/plan')).json
        self.assertEqual(shown['checks'], plan['checks'])
        self.app.put_json(self.url(migration, '/state'),
                          {'target': 'running', 'override_checks': ['q u']},
                          status=400)
        body = self.app.put_json(
            self.url(migration, '/state'),
            {'target': 'running', 'override_checks': ['quota']},
            status=202).json
        self.assertEqual(['quota'], body['options']['override_checks'])
        self.assertEqual([True], [c['overridden'] for c in body['checks']])
        work.wait_for_state(migration.uuid, states.COMPLETED)

    def test_illegal_transitions_are_409(self):
        for state, target in ((states.COMPLETED, 'running'),
                              (states.PLANNING, 'cancelled'),
                              (states.FAILED, 'cancelled'),
                              (states.RUNNING, 'running')):
            migration = self.make(state)
            work.add_role_item(migration)
            error = self.put(migration, target, 409).json['error']
            self.assertEqual(f'Migration {migration.uuid} is {state} and '
                             f'cannot go to {target}.', error['message'])

    def test_cancel(self):
        for state in (states.PLANNED, states.RUNNING):
            migration = self.make(state)
            body = self.put(migration, 'cancelled').json
            self.assertEqual(states.CANCELLED, body['state'])
            self.assertIsNotNone(body['finished_at'])

    def test_resume_waits_for_the_cancelled_run_to_stop(self):
        migration = self.make(states.CANCELLED)
        error = self.put(migration, 'running', 409).json['error']
        self.assertIn(f'worked on by {ELSEWHERE}', error['message'])

    def test_bad_bodies(self):
        migration = self.make()
        for body in ({'target': 'rolled_back'}, {}, {'target': 'running',
                                                     'force': True}):
            self.app.put_json(self.url(migration, '/state'), body,
                              status=400)
        self.app.put(self.url(migration, '/state'), status=400)
        self.app.get(self.url(migration, '/state'), status=405)


class TestPlanEventsReportPasswords(MigrationsTestCase):

    def test_plan_as_json_and_dot(self):
        migration = self.make()
        work.add_role_item(migration)
        items = self.app.get(self.url(migration, '/plan')).json['items']
        self.assertEqual([('identity.role', 'r1', 'auditor', 'create',
                           'pending')],
                         [(i['resource_type'], i['source_id'],
                           i['source_name'], i['action'], i['state'])
                          for i in items])
        dot = self.app.get(self.url(migration, '/plan?format=dot'))
        self.assertEqual('text/vnd.graphviz', dot.content_type)
        self.assertEqual('migration 1.0',
                         dot.headers['OpenStack-API-Version'])
        self.assertTrue(dot.text.startswith('digraph plan {'))
        self.assertIn('identity.role\\nauditor\\ncreate / pending', dot.text)
        self.app.get(self.url(migration, '/plan?format=svg'), status=400)

    def test_plan_has_its_estimate(self):
        migration = self.make(estimate={'low_s': 1, 'high_s': 6,
                                        'basis': 'defaults'})
        work.add_role_item(migration)
        plan = self.app.get(self.url(migration, '/plan')).json
        self.assertEqual({'low_s': 1, 'high_s': 6, 'basis': 'defaults'},
                         plan['estimate'])

    def test_plan_items_show_the_bytes_moved(self):
        migration = self.make()
        work.add_role_item(migration)
        item = self.app.get(self.url(migration, '/plan')).json['items'][0]
        self.assertEqual((0, None), (item['bytes_done'], item['bytes_total']))
        migration_api.update_plan_item(item['id'], {'bytes_done': 512,
                                                    'bytes_total': 2048})
        item = self.app.get(self.url(migration, '/plan')).json['items'][0]
        self.assertEqual((512, 2048), (item['bytes_done'],
                                       item['bytes_total']))

    def test_plan_items_are_their_views(self):
        """The plan is read as rows, the details decoded only where they
        may hold what is shown: the same items as the views of the
        whole items (pumphouse.engine.render.item_view)."""
        migration = self.make()
        shown = [{'differences': {'a': {'source': 1, 'destination': 2}}},
                 {'note': 'reused "as is"'}, {'renamed_from': None},
                 {'note': 'n\u00e9e', 'attrs': {'renamed_from': 'x'}}]
        hidden = [None, {}, {'attrs': {'note': 'inside'}},
                  {'attrs': {'description': 'a "note" in the text'}},
                  {'data': {'differences': 1}, 'needs': [['t', 'id']]}]
        migration_api.add_plan_items(migration.id, [
            {'key': str(n), 'resource_type': 'compute.server',
             'source_id': f's{n}', 'source_name': f'server-{n}',
             'action': 'conflict' if n == 0 else 'create',
             'state': ('failed', 'pending', 'done')[n % 3],
             'error': 'boom' if n % 3 == 0 else None,
             'bytes_total': 10 * n if n % 2 else None,
             'depends_on': [str(m) for m in range(n)][-2:],
             'details': details}
            for n, details in enumerate(shown + hidden)])
        items = self.app.get(self.url(migration, '/plan')).json['items']
        expected = [render.item_view(i)
                    for i in migration_api.list_plan_items(migration.id)]
        self.assertEqual(expected, items)
        self.assertEqual([['differences'], ['note'], ['renamed_from'],
                          ['note']] + [[]] * len(hidden),
                         [sorted(set(i) - set(items[-1])) for i in items])

    def test_events_after_and_limit(self):
        migration = self.make()
        for n in range(5):
            migration_api.add_event(migration.id, 'note', f'event {n}')
        page = self.app.get(self.url(migration, '/events?limit=2')).json
        self.assertEqual(['event 0', 'event 1'],
                         [e['message'] for e in page['events']])
        after = page['events'][-1]['id']
        self.assertTrue(page['next'].endswith(
            f'/events?after={after}&limit=2'))
        rest = self.app.get(self.url(migration, f'/events?after={after}'))
        self.assertEqual(['event 2', 'event 3', 'event 4'],
                         [e['message'] for e in rest.json['events']])
        self.app.get(self.url(migration, '/events?after=-1'), status=400)

    def test_report(self):
        migration = self.make(states.PLANNED)
        error = self.app.get(self.url(migration, '/report'),
                             status=404).json['error']
        self.assertIn('has no verification report yet', error['message'])
        report = {'checked': 1, 'not_migrated': [], 'differences': [{
            'resource_type': 'identity.role', 'source_id': 'r1',
            'name': 'auditor', 'destination_id': 'R1',
            'differences': {'description': {'source': 'a',
                                            'destination': 'b'}}}]}
        migration_api.update_migration(migration.uuid, {'report': report})
        self.assertEqual(report,
                         self.app.get(self.url(migration, '/report')).json)

    def test_passwords_are_handed_out_once(self):
        migration = self.make(states.COMPLETED)
        migration_api.add_issued_password(
            migration.id, 's1', 'd1', 'alice', 'Default',
            crypto.encrypt({'password': 'pw-alice'}))
        self.app.get(self.url(migration, '/passwords'), status=405)
        response = self.app.post(self.url(migration, '/passwords'))
        self.assertEqual('no-store', response.headers['Cache-Control'])
        self.assertEqual([{'user_id': 'd1', 'source_user_id': 's1',
                           'name': 'alice', 'domain_name': 'Default',
                           'password': 'pw-alice'}],
                         response.json['passwords'])
        again = self.app.post(self.url(migration, '/passwords')).json
        self.assertEqual([], again['passwords'])
        self.assertEqual(['1 issued password(s) handed out to user noauth',
                          '0 issued password(s) handed out to user noauth'],
                         [e.message for e in work.events(migration,
                                                         'passwords')])

    def test_undecryptable_passwords_are_409_kept_and_name_no_path(self):
        migration = self.make(states.COMPLETED)
        migration_api.add_issued_password(
            migration.id, 's1', 'd1', 'alice', 'Default',
            crypto.encrypt({'password': 'pw-alice'}))
        with open(CONF.credentials.key_file, 'w') as f:
            f.write(fernet.Fernet.generate_key().decode() + '\n')
        crypto.reset_cache()
        error = self.app.post(self.url(migration, '/passwords'),
                              status=409).json['error']
        self.assertIn('An issued password cannot be decrypted with the '
                      'credential key of this service ([credentials] '
                      'key_file)', error['message'])
        self.assertNotIn(self.state_path, error['message'])
        self.assertEqual(1, migration_api.count_issued_passwords(
            migration.id))

    def test_unusable_key_file_is_named_by_its_option_not_its_path(self):
        os.unlink(CONF.credentials.key_file)
        crypto.reset_cache()
        error = self.app.post_json('/v1/clouds', {
            'name': 'c', 'auth': {'auth_url': 'http://k/v3', 'username': 'u',
                                  'password': 'p',
                                  'user_domain_name': 'Default'}},
            status=503).json['error']
        self.assertEqual('Cannot use the credential key file ([credentials] '
                         'key_file): No such file or directory',
                         error['message'])


class TestMappings(MigrationsTestCase):

    def _map(self, migration, source_id, resource_type='identity.user'):
        migration_api.complete_plan_item(
            models.PlanItem(id=0, migration_id=migration.id,
                            resource_type=resource_type,
                            source_id=source_id),
            f'D-{source_id}', self.src.id, self.dst.id)

    def test_filters_and_pagination(self):
        migration = self.make(states.COMPLETED)
        for n in range(3):
            self._map(migration, f'u{n}')
        self._map(migration, 'r0', 'identity.role')
        everything = self.app.get('/v1/mappings').json['mappings']
        self.assertEqual(4, len(everything))
        self.assertEqual({'source_cloud': self.src.uuid,
                          'destination_cloud': self.dst.uuid,
                          'resource_type': 'identity.user',
                          'source_id': 'u0', 'destination_id': 'D-u0',
                          'migration': migration.uuid},
                         {k: everything[0][k] for k in (
                             'source_cloud', 'destination_cloud',
                             'resource_type', 'source_id',
                             'destination_id', 'migration')})
        users = self.app.get('/v1/mappings?type=identity.user&limit=2'
                             '&source_cloud=src').json
        self.assertEqual(['u0', 'u1'],
                         [m['source_id'] for m in users['mappings']])
        rest = self.app.get(users['next'].replace('http://localhost', ''))
        self.assertEqual(['u2'], [m['source_id']
                                  for m in rest.json['mappings']])
        one = self.app.get(f'/v1/mappings?source_id=r0'
                           f'&destination_cloud={self.dst.uuid}').json
        self.assertEqual(['D-r0'], [m['destination_id']
                                    for m in one['mappings']])
        self.assertEqual([], self.app.get(
            '/v1/mappings?destination_cloud=src').json['mappings'])

    def test_bad_queries(self):
        for query in ('source_cloud=nowhere', 'type=User', 'marker=x',
                      'limit=0'):
            self.app.get(f'/v1/mappings?{query}', status=400)


class TestPolicies(base.RPCTestCase):
    """The personas, with identity headers on the Pecan app."""

    def setUp(self):
        super().setUp()
        self.config(auth_strategy='keystone', group='api')
        self.config(response_validation='error', group='api')
        self.config(api_retries=0, group='clouds')
        self.app = webtest.TestApp(api_app._pecan_app())
        work.register_cloud('src')
        work.register_cloud('dst')
        self.migration = work.make_migration(states.PLANNED,
                                             project_id='demo')
        self.url = f'/v1/migrations/{self.migration.uuid}'

    def _request(self, name, headers, status):
        method, path = {
            'get': ('get', ''), 'plan': ('get', '/plan'),
            'events': ('get', '/events'), 'report': ('get', '/report'),
            'passwords': ('post', '/passwords'),
            'delete': ('delete', ''),
        }[name]
        return getattr(self.app, method)(self.url + path, headers=headers,
                                         status=status)

    def test_reader_reads_but_may_not_act(self):
        reader = test_policy.identity(['reader'], project='demo')
        for name in ('get', 'plan', 'events'):
            self._request(name, reader, 200)
        self._request('report', reader, 404)  # none yet
        for name in ('passwords', 'delete'):
            error = self._request(name, reader, 403).json['error']
            self.assertIn(f'pumphouse:migration:{name}', error['message'])
        self.app.put_json(self.url + '/state', {'target': 'cancelled'},
                          headers=reader, status=403)
        self.app.post_json('/v1/migrations', create_body(), headers=reader,
                           status=403)

    def test_other_projects_see_nothing(self):
        for roles in (['member', 'reader'], ['reader']):
            other = test_policy.identity(roles, project='other')
            for name in ('get', 'plan', 'events', 'report', 'passwords',
                         'delete'):
                error = self._request(name, other, 404).json['error']
                self.assertEqual(f'Migration {self.migration.uuid} could '
                                 'not be found.', error['message'])
            self.app.put_json(self.url + '/state', {'target': 'cancelled'},
                              headers=other, status=404)
            listed = self.app.get('/v1/migrations', headers=other).json
            self.assertEqual([], listed['migrations'])

    def test_member_acts_on_its_project(self):
        member = test_policy.identity(['member', 'reader'], project='demo',
                                      user='u7')
        own = create_body(workload={'kind': 'project', 'names': ['demo']})
        created = self.app.post_json('/v1/migrations', own,
                                     headers=member, status=202).json
        self.assertEqual(('demo', 'u7'),
                         (created['project_id'], created['user_id']))
        listed = self.app.get('/v1/migrations', headers=member).json
        self.assertEqual(2, len(listed['migrations']))
        # Issued passwords are the administrators' by default.
        self._request('passwords', member, 403)
        self.app.put_json(self.url + '/state', {'target': 'cancelled'},
                          headers=member, status=202)
        self._request('delete', member, 204)
        self.app.get('/v1/mappings', headers=member, status=403)

    def test_member_may_migrate_only_its_own_project(self):
        member = test_policy.identity(['member', 'reader'], project='demo')
        before = self.app.get('/v1/migrations', headers=member).json
        for body in (
                create_body(),  # another project
                create_body(workload={'kind': 'domain', 'names': ['d']}),
                create_body(workload={'kind': 'project',
                                      'names': ['demo', 'ops']}),
                create_body(workload={'kind': 'project', 'names': ['demo']},
                            strategies={'identity.user': 'all'}),
                create_body(workload={'kind': 'project', 'names': ['demo']},
                            supplementary='all')):
            error = self.app.post_json('/v1/migrations', body,
                                       headers=member, status=403).json
            self.assertIn('create_any_workload', error['error']['message'])
        # Nor stacks, even in its own project.
        error = self.app.post_json(
            '/v1/migrations', create_body(workload=dict(
                STACKS, project='demo')), headers={**member, **V14},
            status=403).json
        self.assertIn('create_any_workload', error['error']['message'])
        self.assertEqual(before, self.app.get('/v1/migrations',
                                              headers=member).json)

    def test_member_migrates_its_project_by_id_in_its_domain(self):
        """A member of ``demo`` in domain d1 may not reach the ``demo`` of
        domain d2; what it may migrate is recorded by ids."""
        member = test_policy.identity(['member', 'reader'],
                                      project='p-demo-1', project_name='demo',
                                      domain='d1', domain_name='D1')
        for workload in (
                {'kind': 'project', 'names': ['demo'], 'domain': 'd2'},
                {'kind': 'project', 'names': ['demo'], 'domain': 'D2'},
                {'kind': 'project', 'names': ['p-demo-1'], 'domain': 'd2'},
                {'kind': 'project', 'names': ['p-demo-2']},
                {'kind': 'domain', 'names': ['d1']}):
            body = create_body(workload=workload,
                               options={'server_cutover': 'delete'})
            error = self.app.post_json('/v1/migrations', body,
                                       headers=member, status=403).json
            self.assertIn('create_any_workload', error['error']['message'])
        for workload in (
                {'kind': 'project', 'names': ['demo']},
                {'kind': 'project', 'names': ['demo'], 'domain': 'D1'},
                {'kind': 'project', 'names': ['p-demo-1'], 'domain': 'd1'}):
            created = self.app.post_json(
                '/v1/migrations', create_body(workload=workload),
                headers=member, status=202).json
            self.assertEqual({'kind': 'project', 'names': ['p-demo-1'],
                              'domain': 'd1'}, created['workload'])
            stored = migration_api.get_migration(created['uuid'])
            self.assertEqual(created['workload'],
                             stored.workload['workload'])

    def test_member_token_without_a_domain_is_refused(self):
        member = test_policy.identity(['member', 'reader'], project='demo')
        del member['X-Project-Domain-Id']
        own = create_body(workload={'kind': 'project', 'names': ['demo']})
        self.app.post_json('/v1/migrations', own, headers=member,
                           status=403)

    def test_admin_sees_and_does_everything(self):
        admin = test_policy.identity(['admin'], project='admin')
        mine = self.app.post_json('/v1/migrations', create_body(),
                                  headers=admin, status=202).json
        self.assertEqual('admin', mine['project_id'])
        listed = self.app.get('/v1/migrations', headers=admin).json
        self.assertEqual({'demo', 'admin'},
                         {m['project_id'] for m in listed['migrations']})
        self._request('get', admin, 200)
        self._request('passwords', admin, 200)
        self.app.get('/v1/mappings', headers=admin, status=200)
        work.wait_for_state(mine['uuid'], states.FAILED)
        self._request('delete', admin, 204)

    def test_no_role_is_refused(self):
        nobody = test_policy.identity([], project='demo')
        self.app.get('/v1/migrations', headers=nobody, status=403)
        self._request('get', nobody, 404)
