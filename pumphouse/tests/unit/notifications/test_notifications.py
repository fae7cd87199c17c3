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

"""The versioned notifications of state changes, sent through
oslo.messaging's in-memory ``test`` driver, and their payloads checked
against their JSON schemas."""

import hashlib
import json
import pathlib
import textwrap

import jsonschema
from oslo_messaging import opts as messaging_opts
from oslo_messaging.notify import _impl_test

from pumphouse import notifications
from pumphouse.common import context
from pumphouse.common import exception
from pumphouse.common import rpc
from pumphouse.conf import CONF
from pumphouse.conf import notifications as notifications_conf
from pumphouse.db import host_api
from pumphouse.db import migration_api
from pumphouse.engine import states
from pumphouse.hosts import states as host_states
from pumphouse.notifications import payloads
from pumphouse.tests import base
from pumphouse.tests.unit.conductor import test_migrations

REQUEST_ID = 'req-6f0c7d1e-3b2a-4c5d-9e8f-0a1b2c3d4e5f'
DOC = (pathlib.Path(__file__).resolve().parents[4] / 'doc' / 'source'
       / 'admin' / 'notifications.rst')

#: sha256 (first 16 hex digits) of each payload schema, by name and
#: version. A schema that changes must change its version too (a field
#: added: minor; changed or removed: major): update both here.
FINGERPRINTS = {
    'MigrationStatePayload': '1.0-bb2439822aa81851',
    'HostStatePayload': '1.0-e68db6ddfe3815ed',
}


def fingerprint(payload_type: payloads.PayloadType) -> str:
    text = json.dumps(payload_type.schema(), sort_keys=True)
    return (f'{payload_type.version}-'
            f'{hashlib.sha256(text.encode()).hexdigest()[:16]}')


class NotificationTestCase(base.TestCase):
    """Notifications on, to the in-memory driver."""

    level = 'info'

    def setUp(self):
        super().setUp()
        self.config(transport_url='fake:///')
        self.config(driver=['test'], group='oslo_messaging_notifications')
        self.config(notification_level=self.level, group='notifications')
        rpc.init(CONF, binary='pumphouse-test')
        self.addCleanup(rpc.cleanup)
        _impl_test.reset()
        self.addCleanup(_impl_test.reset)
        notifications.setup()
        self.addCleanup(notifications.teardown)
        self.source = test_migrations.register_cloud('src')
        self.destination = test_migrations.register_cloud('dst')

    def sent(self, event_type: str | None = None) -> list[tuple]:
        """(ctxt, message, priority) of what was sent."""
        return [(ctxt, message, priority)
                for ctxt, message, priority, _retry
                in _impl_test.NOTIFICATIONS
                if event_type is None or message['event_type'] == event_type]

    def transitions(self, event_type: str) -> list[tuple]:
        return [(m['payload']['pumphouse_object.data']['old_state'],
                 m['payload']['pumphouse_object.data']['new_state'],
                 priority)
                for _ctxt, m, priority in self.sent(event_type)]

    def create_migration(self, **values):
        return test_migrations.make_migration(**values)

    def create_host(self, **values):
        return host_api.create_host(dict({
            'name': 'compute-1', 'source_cloud_id': self.source.id,
            'destination_cloud_id': None, 'state': host_states.IN_SOURCE,
            'options': {}, 'macs': []}, **values))


class TestMigrationStateUpdate(NotificationTestCase):

    def test_once_per_transition(self):
        migration = self.create_migration()
        uuid = migration.uuid
        migration_api.update_migration(uuid, {'state': states.PLANNED})
        # Not a transition: the same state, or no state at all.
        migration_api.update_migration(uuid, {'state': states.PLANNED})
        migration_api.update_migration(uuid, {'name': 'renamed'})
        migration_api.update_migration(uuid, {'state': states.RUNNING})
        migration_api.update_migration(uuid, {
            'state': states.FAILED, 'last_error': 'boom'})
        self.assertEqual([(None, 'planning', 'INFO'),
                          ('planning', 'planned', 'INFO'),
                          ('planned', 'running', 'INFO'),
                          ('running', 'failed', 'ERROR')],
                         self.transitions('migration.state.update'))

    def test_a_refused_transition_sends_nothing(self):
        migration = self.create_migration()
        _impl_test.reset()
        self.assertRaises(
            exception.InvalidStateTransition,
            migration_api.update_migration, migration.uuid,
            {'state': states.RUNNING}, expected_state=states.PLANNED)
        self.assertEqual([], self.sent())

    def test_payload_names_the_migration_and_its_clouds(self):
        migration = self.create_migration()
        migration_api.update_migration(migration.uuid,
                                       {'state': states.PLANNED})
        _ctxt, message, _priority = self.sent()[-1]
        self.assertEqual('pumphouse-test.' + CONF.host,
                         message['publisher_id'])
        payload = message['payload']
        self.assertEqual('MigrationStatePayload',
                         payload['pumphouse_object.name'])
        self.assertEqual('1.0', payload['pumphouse_object.version'])
        data = payload['pumphouse_object.data']
        self.assertEqual(
            {'uuid': migration.uuid, 'project_id': 'demo', 'user_id': 'u1',
             'source': {'uuid': self.source.uuid, 'name': 'src'},
             'destination': {'uuid': self.destination.uuid, 'name': 'dst'},
             'old_state': 'planning', 'new_state': 'planned'},
            {k: data[k] for k in ('uuid', 'project_id', 'user_id', 'source',
                                  'destination', 'old_state', 'new_state')})
        self.assertTrue(data['created_at'].endswith('+00:00'))

    def test_payloads_match_their_schema(self):
        migration = self.create_migration(name='nightly')
        for state in (states.PLANNED, states.RUNNING, states.VERIFYING,
                      states.COMPLETED):
            migration_api.update_migration(migration.uuid, {'state': state})
        host = self.create_host(power_driver='fake')
        host_api.update_host(host.uuid, {'state': host_states.DISABLED,
                                         'target': host_states.EVACUATED})
        host_api.update_host(host.uuid, {'state': host_states.FAILED,
                                         'failed_step': 'evacuate',
                                         'last_error': 'no room'})
        schemas = {t.name: t.schema() for t in (
            payloads.migration_state_type(), payloads.host_state_type())}
        sent = self.sent()
        self.assertEqual(8, len(sent))
        for _ctxt, message, _priority in sent:
            payload = message['payload']
            schema = schemas[payload['pumphouse_object.name']]
            jsonschema.Draft202012Validator(
                schema, format_checker=jsonschema.FormatChecker()
            ).validate(payload)

    def test_schema_rejects_what_it_does_not_describe(self):
        migration = self.create_migration()
        payload = self.sent()[-1][1]['payload']
        validator = jsonschema.Draft202012Validator(
            payloads.migration_state_type().schema())
        validator.validate(payload)
        broken = json.loads(json.dumps(payload))
        broken['pumphouse_object.data']['password'] = 'x'
        self.assertFalse(validator.is_valid(broken))
        broken = json.loads(json.dumps(payload))
        broken['pumphouse_object.data']['new_state'] = 'teleported'
        self.assertFalse(validator.is_valid(broken))
        self.assertEqual(migration.uuid,
                         payload['pumphouse_object.data']['uuid'])

    def test_no_secret_is_sent(self):
        ctx = context.RequestContext(auth_token='tok-secret-0123',
                                     request_id=REQUEST_ID)
        migration = self.create_migration()
        migration_api.update_migration(migration.uuid, {
            'state': states.FAILED,
            'last_error': 'cannot connect to http://admin:s3cret@keystone'})
        sent = json.dumps(self.sent())
        self.assertNotIn('tok-secret-0123', sent)
        self.assertNotIn('s3cret', sent)
        self.assertNotIn('"pw"', sent)  # the clouds' stored password
        ctxt = self.sent()[-1][0]
        self.assertEqual(REQUEST_ID, ctxt['request_id'])
        self.assertIsNone(ctxt['auth_token'])
        # Serialising the context for the notification left the thread's
        # context as it was.
        self.assertIs(ctx, context.current())

    def test_sent_in_the_request_context(self):
        context.RequestContext(request_id=REQUEST_ID,
                               global_request_id='req-global')
        self.create_migration()
        ctxt = self.sent()[-1][0]
        self.assertEqual((REQUEST_ID, 'req-global'),
                         (ctxt['request_id'], ctxt['global_request_id']))


class TestHostStateUpdate(NotificationTestCase):

    def test_once_per_transition(self):
        host = self.create_host()
        host_api.set_target(host.uuid, host_states.EVACUATED,
                            lambda host: None)
        host_api.update_host(host.uuid, {'state': host_states.DISABLED})
        host_api.update_host(host.uuid, {'target': None})
        host_api.update_host(host.uuid, {'state': host_states.FAILED,
                                         'failed_step': 'evacuate'})
        self.assertEqual([(None, 'in_source', 'INFO'),
                          ('in_source', 'disabled', 'INFO'),
                          ('disabled', 'failed', 'ERROR')],
                         self.transitions('host.state.update'))

    def test_payload_names_drivers_never_their_info(self):
        host = self.create_host(power_driver='ipmi',
                                power_info='encrypted-ipmi-secret',
                                destination_cloud_id=self.destination.id)
        data = self.sent()[-1][1]['payload']['pumphouse_object.data']
        self.assertEqual(('ipmi', host.uuid, 'compute-1'),
                         (data['power_driver'], data['uuid'], data['name']))
        self.assertEqual({'uuid': self.destination.uuid, 'name': 'dst'},
                         data['destination'])
        self.assertNotIn('encrypted-ipmi-secret', json.dumps(self.sent()))


class TestLevel(NotificationTestCase):

    level = 'error'

    def test_only_priorities_at_or_above_the_level(self):
        migration = self.create_migration()
        migration_api.update_migration(migration.uuid,
                                       {'state': states.FAILED})
        self.assertEqual([('planning', 'failed', 'ERROR')],
                         self.transitions('migration.state.update'))

    def test_level_can_change_at_run_time(self):
        self.config(notification_level='info', group='notifications')
        self.create_migration()
        self.assertEqual([(None, 'planning', 'INFO')],
                         self.transitions('migration.state.update'))


class TestOffByDefault(NotificationTestCase):

    def test_no_level_sends_nothing(self):
        self.config(notification_level=None, group='notifications')
        self.create_migration()
        self.assertEqual([], self.sent())

    def test_no_driver_sends_nothing_and_says_so(self):
        rpc.cleanup()
        self.config(driver=[], group='oslo_messaging_notifications')
        rpc.init(CONF)
        with self.assertLogs('pumphouse.notifications', 'WARNING') as logs:
            notifications.setup()
        self.assertIn('no notification is sent', logs.output[0])
        self.create_migration()
        self.assertEqual([], self.sent())

    def test_defaults(self):
        self.assertIsNone(notifications_conf.opts[0].default)
        [driver] = [o for group, opts in messaging_opts.list_opts()
                    if group == 'oslo_messaging_notifications'
                    for o in opts if o.dest == 'driver']
        self.assertEqual([], driver.default)

    def test_a_process_without_rpc_sends_nothing(self):
        rpc.cleanup()
        self.create_migration()
        self.assertEqual([], self.sent())


class TestSchemas(base.TestCase):

    def test_versions_change_with_the_schemas(self):
        found = {t.name: fingerprint(t) for t in (
            payloads.migration_state_type(), payloads.host_state_type())}
        self.assertEqual(FINGERPRINTS, found,
                         'A payload schema changed: bump its version (a '
                         'field added: minor; changed or removed: major) '
                         'and update FINGERPRINTS.')

    def test_schemas_are_valid_json_schemas(self):
        for payload_type in (payloads.migration_state_type(),
                             payloads.host_state_type()):
            jsonschema.Draft202012Validator.check_schema(
                payload_type.schema())

    def test_field_rows_of_the_documentation(self):
        rows = payloads.field_rows(payloads.host_state_type())
        self.assertEqual('uuid', rows[0][0])
        self.assertIn(('destination', 'object or null', '',
                       'The destination cloud; null when none is '
                       'registered yet.'), rows)
        self.assertIn(('destination.name', 'string', '',
                       'The name it is registered under.'), rows)
        [failed_step] = [r for r in rows if r[0] == 'failed_step']
        self.assertIn('``evacuate``', failed_step[2])
        self.assertTrue(failed_step[2].endswith(', null'))
        [created_at] = [r for r in rows if r[0] == 'created_at']
        self.assertEqual('date-time string or null', created_at[1])

    def test_the_documented_example_matches_its_schema(self):
        text = DOC.read_text()
        block = text.split('.. code-block:: json\n\n', 1)[1]
        lines = []
        for line in block.splitlines():
            if line and not line.startswith('   '):
                break
            lines.append(line)
        example = json.loads(textwrap.dedent('\n'.join(lines)))
        self.assertEqual('migration.state.update', example['event_type'])
        jsonschema.Draft202012Validator(
            payloads.migration_state_type().schema(),
            format_checker=jsonschema.FormatChecker(),
        ).validate(example['payload'])

    def test_the_documentation_shows_every_payload(self):
        text = DOC.read_text()
        for name in ('migration_state_type', 'host_state_type'):
            self.assertIn(f'.. notification-payload:: {name}', text)
