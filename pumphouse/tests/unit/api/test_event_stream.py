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

"""``GET /v1/migrations/{migration}/event-stream``: the frames of a
migration's server-sent events."""

import json
from unittest import mock

from oslo_utils import timeutils

from pumphouse.api.controllers.v1 import event_stream
from pumphouse.db import migration_api
from pumphouse.engine import states
from pumphouse.tests.unit.api import test_migrations

V13 = {'OpenStack-API-Version': 'migration 1.3'}


def parse(text: str) -> list[dict]:
    """The frames of an event stream: {event, id, data} (data parsed)."""
    frames = []
    for block in text.split('\n\n'):
        if not block.strip():
            continue
        frame = {}
        for line in block.split('\n'):
            name, _, value = line.partition(': ')
            frame[name] = value
        if 'data' in frame:
            frame['data'] = json.loads(frame['data'])
        frames.append(frame)
    return frames


class TestEventStream(test_migrations.MigrationsTestCase):

    def setUp(self):
        super().setUp()
        patch = mock.patch.object(event_stream, 'POLL_INTERVAL', 0.05)
        patch.start()
        self.addCleanup(patch.stop)

    def stream(self, migration, query='', status=200, headers=None):
        return self.app.get(self.url(migration, f'/event-stream{query}'),
                            headers={**V13, **(headers or {})},
                            status=status)

    def test_events_progress_and_end_of_an_idle_migration(self):
        migration = self.make(states.FAILED)
        test_migrations.work.add_role_item(migration, state='failed')
        for n in range(3):
            migration_api.add_event(migration.id, 'test', f'event {n}')
        response = self.stream(migration)
        self.assertEqual('text/event-stream', response.content_type)
        self.assertEqual('no-store', response.headers['Cache-Control'])
        frames = parse(response.text)
        self.assertEqual({'retry': '2000'}, frames[0])
        events = [f for f in frames if f.get('event') == 'event']
        self.assertEqual(['event 0', 'event 1', 'event 2'],
                         [f['data']['message'] for f in events])
        self.assertEqual([str(f['data']['id']) for f in events],
                         [f['id'] for f in events])
        [progress] = [f for f in frames if f.get('event') == 'progress']
        self.assertEqual('failed', progress['data']['state'])
        self.assertEqual({'total': 1, 'by_state': {'failed': 1},
                          'by_action': {'create': 1}},
                         progress['data']['items'])
        self.assertEqual(['auditor'], [i['source_name'] for i in
                                       progress['data']['failed']])
        self.assertEqual({'event': 'end', 'id': events[-1]['id'],
                          'data': {'reason': 'idle', 'state': 'failed'}},
                         frames[-1])
        self.assertEqual(0, event_stream.slots.busy)

    def test_resumes_after_the_last_event_id(self):
        migration = self.make(states.COMPLETED)
        for n in range(4):
            migration_api.add_event(migration.id, 'test', f'event {n}')
        second = migration_api.list_events(migration.id)[1].id
        for how in ({'headers': {'Last-Event-ID': str(second)}},
                    {'query': f'?after={second}'}):
            with self.subTest(how=how):
                frames = parse(self.stream(migration, **how).text)
                self.assertEqual(['event 2', 'event 3'], [
                    f['data']['message'] for f in frames
                    if f.get('event') == 'event'])
        self.stream(migration, headers={'Last-Event-ID': 'x'}, status=400)

    def test_bytes_of_images_and_volumes(self):
        migration = self.make(states.FAILED)
        test_migrations.work.add_role_item(migration)
        item = migration_api.list_plan_items(migration.id)[0]
        migration_api.update_plan_item(item.id, {
            'state': 'running', 'bytes_done': 512, 'bytes_total': 2048})
        [progress] = [f['data'] for f in parse(self.stream(migration).text)
                      if f.get('event') == 'progress']
        self.assertEqual((512, 2048), (progress['bytes_done'],
                                       progress['bytes_total']))
        self.assertEqual([item.id], [i['id'] for i in progress['running']])

    def test_a_working_migration_is_followed_until_the_timeout(self):
        migration = self.make(states.RUNNING)
        with mock.patch.object(event_stream, 'KEEPALIVE', 0.1):
            frames = parse(self.stream(migration, '?timeout=1').text)
        self.assertEqual({'reason': 'timeout', 'state': 'running'},
                         frames[-1]['data'])
        self.assertIn({'': 'keep-alive'}, frames)
        self.assertEqual(1, len([f for f in frames
                                 if f.get('event') == 'progress']))

    def test_progress_has_the_time(self):
        migration = self.make(states.FAILED)
        test_migrations.work.add_role_item(migration)
        [progress] = [f['data'] for f in parse(self.stream(migration).text)
                      if f.get('event') == 'progress']
        self.assertEqual({'elapsed_s': None, 'remaining_low_s': 1,
                          'remaining_high_s': 6, 'scale': None,
                          'observed_items': 0}, progress['time'])

    def test_a_time_that_alone_changes_is_sent_now_and_then(self):
        migration = self.make(states.RUNNING,
                              started_at=timeutils.utcnow())
        counts = []
        for refresh in (100.0, 0.3):
            with mock.patch.object(event_stream, 'TIME_REFRESH', refresh):
                frames = parse(self.stream(migration, '?timeout=2').text)
            progress = [f['data'] for f in frames
                        if f.get('event') == 'progress']
            counts.append(len(progress))
            self.assertEqual(len(progress), len(
                {p['time']['elapsed_s'] for p in progress}))
        self.assertEqual(1, counts[0])
        self.assertGreaterEqual(counts[1], 2)

    def test_changes_are_sent_as_they_come(self):
        migration = self.make(states.RUNNING)
        test_migrations.work.add_role_item(migration)
        item = migration_api.list_plan_items(migration.id)[0]
        generator = event_stream.stream(migration.id, migration.uuid, None, 5)
        self.assertEqual(b'retry: 2000\n\n', next(generator))
        first = parse(next(generator).decode())[0]
        self.assertEqual({'pending': 1}, first['data']['items']['by_state'])
        migration_api.update_plan_item(item.id, {'state': 'done'})
        migration_api.add_event(migration.id, 'item', 'done')
        self.assertEqual('done', parse(next(generator).decode())[0]
                         ['data']['message'])
        second = parse(next(generator).decode())[0]
        self.assertEqual({'done': 1}, second['data']['items']['by_state'])
        self.assertEqual(1, event_stream.slots.busy)
        generator.close()
        self.assertEqual(0, event_stream.slots.busy)

    def test_a_deleted_migration_ends_the_stream(self):
        migration = self.make(states.RUNNING)
        generator = event_stream.stream(migration.id, migration.uuid, None, 5)
        next(generator)
        next(generator)
        migration_api.update_migration(migration.uuid, {'owner': None})
        migration_api.delete_migration(migration.uuid)
        end = parse(next(generator).decode())[0]
        self.assertEqual({'reason': 'deleted', 'state': None}, end['data'])

    def test_too_many_streams(self):
        migration = self.make(states.COMPLETED)
        self.addCleanup(setattr, event_stream.slots, 'busy', 0)
        event_stream.slots.busy = event_stream.slots.limit()
        response = self.stream(migration, status=429)
        self.assertIn('event streams are open',
                      response.json['error']['message'])

    def test_needs_microversion_1_3(self):
        migration = self.make(states.COMPLETED)
        self.app.get(self.url(migration, '/event-stream'), status=404)
        self.app.get(self.url(migration, '/event-stream'), status=404,
                     headers={'OpenStack-API-Version': 'migration 1.2'})

    def test_bad_queries_and_unknown_migration(self):
        migration = self.make(states.COMPLETED)
        for query in ('?timeout=0', '?timeout=301', '?timeout=x',
                      '?after=-1', '?other=1'):
            self.stream(migration, query, status=400)
        response = self.app.get(
            '/v1/migrations/00000000-0000-0000-0000-000000000000/'
            'event-stream', headers=V13, status=404)
        self.assertEqual(404, response.json['error']['code'])

    def test_frame(self):
        self.assertEqual(
            b'id: 7\nevent: event\ndata: {"message":"caf\xc3\xa9\\nx"}\n\n',
            event_stream.frame('event', {'message': 'caf\u00e9\nx'}, 7))
