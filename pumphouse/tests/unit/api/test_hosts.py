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

"""/v1/hosts through the whole WSGI application.

The in-process conductor takes the host work for real; the clouds cannot
be reached, so a host sent on its way ends ``failed`` at its first step,
which is what these tests expect where a step runs.
"""

import json
from unittest import mock

import webtest
from cryptography import fernet
from keystoneauth1 import exceptions as ksa_exc

from pumphouse.api import app as api_app
from pumphouse.common import cloud_config
from pumphouse.common import crypto
from pumphouse.conf import CONF
from pumphouse.db import host_api
from pumphouse.hosts import nova
from pumphouse.hosts import states
from pumphouse.tests import base
from pumphouse.tests.unit.api import test_policy
from pumphouse.tests.unit.conductor import test_migrations as work
from pumphouse.tests.unit.hosts import fake_nova

V11 = {'OpenStack-API-Version': 'migration 1.1'}
BMC_PASSWORD = 'bmc-pw-never-shown-7a1'


def register_body(**extra) -> dict:
    body = {'name': 'compute-1', 'source': 'src', 'destination': 'dst',
            'power': {'driver': 'ipmi', 'info': {
                'address': '127.0.0.1', 'port': 623, 'username': 'admin',
                'password': BMC_PASSWORD}},
            'provision': {'driver': 'fake', 'info': {}},
            'macs': ['52:54:00:00:00:01'],
            'options': {'aggregate': 'reassigned'}}
    body.update(extra)
    return body


class HostsTestCase(base.APITestCase):

    def configure(self):
        self.config(api_retries=0, group='clouds')
        self.config(poll_interval=0.1, group='hosts')
        work.register_cloud('src')
        work.register_cloud('dst')

    def post(self, body, status=201, headers=V11):
        return self.app.post_json('/v1/hosts', body, headers=headers,
                                  status=status)

    def put_state(self, ident, body, status=202):
        return self.app.put_json(f'/v1/hosts/{ident}/state', body,
                                 headers=V11, status=status)


class TestRegister(HostsTestCase):

    def test_register_show_list_never_a_secret(self):
        response = self.post(register_body())
        host = response.json
        self.assertNotIn(BMC_PASSWORD, response.text)
        self.assertEqual(('compute-1', 'src', 'dst', 'in_source'),
                         (host['name'], host['source'], host['destination'],
                          host['state']))
        self.assertEqual({'address': '127.0.0.1', 'port': 623,
                          'username': 'admin'}, host['power']['info'])
        self.assertTrue(response.headers['Location'].endswith(host['uuid']))
        for path in ('/v1/hosts', '/v1/hosts/compute-1',
                     f'/v1/hosts/{host["uuid"]}'):
            shown = self.app.get(path, headers=V11)
            self.assertNotIn(BMC_PASSWORD, shown.text)
        listed = self.app.get('/v1/hosts?source=src', headers=V11).json
        self.assertEqual(['compute-1'], [h['name'] for h in listed['hosts']])
        self.assertEqual([], self.app.get('/v1/hosts?source=dst',
                                          headers=V11).json['hosts'])

    def test_missing_bmc_address_is_400_and_stores_nothing(self):
        body = register_body()
        del body['power']['info']['address']
        error = self.post(body, status=400).json['error']
        self.assertIn('address', error['message'])
        self.assertEqual([], host_api.list_hosts())

    def test_bad_input_is_400(self):
        for body in (register_body(macs=['not-a-mac']),
                     register_body(name='has space'),
                     register_body(power={'driver': 'nope'}),
                     register_body(options={'surprise': 1}),
                     {'name': 'x'}):
            self.post(body, status=400)
        self.assertEqual([], host_api.list_hosts())

    def test_unknown_cloud_is_404_and_twice_is_409(self):
        self.post(register_body(source='nowhere'), status=404)
        self.post(register_body())
        self.post(register_body(), status=409)

    def test_needs_microversion_1_1(self):
        self.post(register_body(), status=404, headers={})
        self.app.get('/v1/hosts', status=404)


#: Secrets an operator may put where the drivers do not expect them.
STRAY_SECRETS = ('img-pw-5b1', 'bmc-pass-6c2', 'root-pwd-7d3',
                 'fuel-pw-8e4', 'ks-pw-9f5', 'ipmi-passwd-0a6')


class TestDriverInfoMasked(HostsTestCase):
    """Password-like keys and URL credentials anywhere in driver info are
    never shown, whatever the driver declares secret."""

    def _assert_masked(self, uuid):
        for path in ('/v1/hosts', f'/v1/hosts/{uuid}'):
            text = self.app.get(path, headers=V11).text
            for secret in STRAY_SECRETS:
                self.assertNotIn(secret, text, path)

    def test_ironic_instance_info_and_properties(self):
        response = self.post(register_body(provision={
            'driver': 'ironic', 'info': {
                'image_source': 'http://glance:img-pw-5b1@images/a.qcow2',
                'instance_info': {'BMC_PASS': 'bmc-pass-6c2',
                                  'root_pwd': 'root-pwd-7d3',
                                  'image_checksum': 'abc'},
                'properties': {'ipmi_passwd': 'ipmi-passwd-0a6',
                               'cpus': 4}}}))
        info = response.json['provision']['info']
        self.assertEqual('http://***@images/a.qcow2', info['image_source'])
        self.assertEqual({'BMC_PASS': '***', 'root_pwd': '***',
                          'image_checksum': 'abc'}, info['instance_info'])
        self.assertEqual({'ipmi_passwd': '***', 'cpus': 4},
                         info['properties'])
        self._assert_masked(response.json['uuid'])

    def test_fuel_url_credentials(self):
        response = self.post(register_body(provision={
            'driver': 'fuel', 'info': {
                'url': 'http://admin:fuel-pw-8e4@fuel:8000',
                'auth': {'auth_url': 'http://u:ks-pw-9f5@fuel:5000/v3',
                         'username': 'admin', 'password': 'x'},
                'cluster': 'env1'}}))
        info = response.json['provision']['info']
        self.assertEqual('http://***@fuel:8000', info['url'])
        self.assertEqual({'auth_url': 'http://***@fuel:5000/v3',
                          'username': 'admin'}, info['auth'])
        self._assert_masked(response.json['uuid'])

    def test_rows_described_before_are_masked_when_shown(self):
        uuid = self.post(register_body()).json['uuid']
        # As an older release described it: a stray password kept.
        host_api.update_host(uuid, {'provision_public': {
            'instance_info': {'BMC_PASS': 'bmc-pass-6c2'},
            'url': 'http://a:fuel-pw-8e4@fuel'}})
        self._assert_masked(uuid)


class TestUndecryptable(HostsTestCase):
    """Driver info stored with a key the key file no longer holds."""

    def _replace_key(self):
        with open(CONF.credentials.key_file, 'w') as f:
            f.write(fernet.Fernet.generate_key().decode() + '\n')
        crypto.reset_cache()

    def test_listed_and_shown_with_why_never_a_500(self):
        old = self.post(register_body()).json
        self.assertIsNone(old['info_error'])
        self._replace_key()
        new = self.post(register_body(name='compute-2')).json
        listed = self.app.get('/v1/hosts', headers=V11).json['hosts']
        errors = {h['name']: h['info_error'] for h in listed}
        self.assertIsNone(errors['compute-2'])
        self.assertEqual(
            'The power and provision info of host compute-1 cannot be '
            'decrypted with the credential key of this service '
            '([credentials] key_file): it was stored with another key. '
            'Restore the key file it was stored with, or register the '
            "host's power and provision drivers and info again (pumphouse "
            'host register, openstack migration host register, PATCH '
            '/v1/hosts/{id}).', errors['compute-1'])
        shown = self.app.get('/v1/hosts/compute-1', headers=V11).json
        self.assertEqual(errors['compute-1'], shown['info_error'])
        # What was described at registration is still shown.
        self.assertEqual('admin', shown['power']['info']['username'])
        self.assertNotIn(self.state_path, json.dumps(listed))
        self.assertIsNone(self.app.get(f'/v1/hosts/{new["uuid"]}',
                                       headers=V11).json['info_error'])

    def test_registering_the_info_again_clears_it(self):
        uuid = self.post(register_body()).json['uuid']
        self._replace_key()
        self.app.patch_json(f'/v1/hosts/{uuid}', {
            'power': register_body()['power'],
            'provision': register_body()['provision']}, headers=V11)
        shown = self.app.get(f'/v1/hosts/{uuid}', headers=V11).json
        self.assertIsNone(shown['info_error'])

    def test_a_step_fails_with_the_reason_and_no_path(self):
        uuid = self.post(register_body()).json['uuid']
        self._replace_key()
        self.put_state(uuid, {'target': 'in_destination'})
        work.wait_for(lambda: host_api.get_host(uuid).state ==
                      states.FAILED, timeout=60)
        host = self.app.get(f'/v1/hosts/{uuid}', headers=V11).json
        self.assertIn('cannot be decrypted', host['last_error'])
        self.assertNotIn(self.state_path, host['last_error'])


class TestState(HostsTestCase):

    def test_illegal_transition_is_409_and_changes_nothing(self):
        uuid = self.post(register_body()).json['uuid']
        host_api.update_host(uuid, {'state': states.REMOVED})
        error = self.put_state(uuid, {'target': 'evacuated'},
                               status=409).json['error']
        self.assertIn('removed', error['message'])
        self.assertIsNone(host_api.get_host(uuid).target)
        self.put_state(uuid, {'target': 'in_source'}, status=409)
        self.put_state(uuid, {'target': 'powered'}, status=400)

    def test_reassign_without_drivers_is_400(self):
        body = register_body()
        del body['power']
        uuid = self.post(body).json['uuid']
        error = self.put_state(uuid, {'target': 'in_destination'},
                               status=400).json['error']
        self.assertIn('power', error['message'])

    def test_busy_host_is_409(self):
        uuid = self.post(register_body()).json['uuid']
        work.fake_conductor('elsewhere')
        host_api.update_host(uuid, {'owner': 'elsewhere',
                                    'target': 'evacuated'})
        self.put_state(uuid, {'target': 'in_destination'}, status=409)
        self.app.delete(f'/v1/hosts/{uuid}', headers=V11, status=409)

    def test_accepted_then_worked_on_by_the_conductor(self):
        uuid = self.post(register_body()).json['uuid']
        accepted = self.put_state(uuid, {'target': 'evacuated',
                                         'to_destination': True}).json
        self.assertEqual('evacuated', accepted['target'])
        self.assertTrue(accepted['options']['to_destination'])
        # The unreachable source fails the first step.
        work.wait_for(lambda: host_api.get_host(uuid).state ==
                      states.FAILED, timeout=60)
        host = self.app.get(f'/v1/hosts/{uuid}', headers=V11).json
        self.assertEqual(('disable', None), (host['failed_step'],
                                             host['target']))
        operations = self.app.get(f'/v1/hosts/{uuid}/operations',
                                  headers=V11).json['operations']
        self.assertEqual([('disable', 'running'), ('disable', 'failed')],
                         [(o['step'], o['state']) for o in operations
                          if o['state'] != 'info'])
        later = self.app.get(
            f'/v1/hosts/{uuid}/operations?after={operations[0]["id"]}',
            headers=V11).json['operations']
        self.assertEqual(operations[1:], later)

    def test_delete_refused_half_way_unless_forced(self):
        uuid = self.post(register_body()).json['uuid']
        host_api.update_host(uuid, {'state': states.REMOVED})
        error = self.app.delete(f'/v1/hosts/{uuid}', headers=V11,
                                status=409).json['error']
        self.assertIn('force', error['message'])
        self.app.delete(f'/v1/hosts/{uuid}?force=maybe', headers=V11,
                        status=400)
        self.app.delete(f'/v1/hosts/{uuid}?force=true', headers=V11,
                        status=204)
        self.app.get(f'/v1/hosts/{uuid}', headers=V11, status=404)

    def test_delete(self):
        uuid = self.post(register_body()).json['uuid']
        self.app.delete(f'/v1/hosts/{uuid}', headers=V11, status=204)
        self.app.get(f'/v1/hosts/{uuid}', headers=V11, status=404)


class TestUpdate(HostsTestCase):

    def test_patch_changes_only_what_is_given(self):
        body = register_body()
        del body['power'], body['destination']
        uuid = self.post(body).json['uuid']
        patched = self.app.patch_json(f'/v1/hosts/{uuid}', {
            'destination': 'dst',
            'power': register_body()['power'],
            'options': {'to_destination': True}}, headers=V11).json
        self.assertNotIn(BMC_PASSWORD, repr(patched))
        self.assertEqual(('dst', 'ipmi', 'fake', ['52:54:00:00:00:01']),
                         (patched['destination'],
                          patched['power']['driver'],
                          patched['provision']['driver'], patched['macs']))
        self.assertEqual({'aggregate': 'reassigned',
                          'to_destination': True}, patched['options'])

    def test_bad_patch_is_400_and_changes_nothing(self):
        uuid = self.post(register_body()).json['uuid']
        before = host_api.get_host(uuid)
        for body in ({}, {'name': 'renamed'},
                     {'power': {'driver': 'ipmi', 'info': {}}},
                     {'destination': 'src'}):
            self.app.patch_json(f'/v1/hosts/{uuid}', body, headers=V11,
                                status=400)
        self.app.patch_json(f'/v1/hosts/{uuid}', {'destination': 'nowhere'},
                            headers=V11, status=404)
        after = host_api.get_host(uuid)
        self.assertEqual((before.power_info, before.destination_cloud_id),
                         (after.power_info, after.destination_cloud_id))

    def test_patch_of_a_busy_host_is_409(self):
        uuid = self.post(register_body()).json['uuid']
        work.fake_conductor('elsewhere')
        host_api.update_host(uuid, {'owner': 'elsewhere'})
        self.app.patch_json(f'/v1/hosts/{uuid}', {'macs': []}, headers=V11,
                            status=409)


class TestHostPolicies(base.RPCTestCase):

    def setUp(self):
        super().setUp()
        self.config(auth_strategy='keystone', group='api')
        self.app = webtest.TestApp(api_app._pecan_app())
        work.register_cloud('src')
        self.admin = dict(test_policy.identity(['admin'], project='admin'),
                          **V11)

    def test_only_admin(self):
        self.app.post_json('/v1/hosts', {'name': 'c1', 'source': 'src'},
                           headers=self.admin, status=201)
        for roles in (['member', 'reader'], ['reader']):
            headers = dict(test_policy.identity(roles), **V11)
            self.app.get('/v1/hosts', headers=headers, status=403)
            self.app.get('/v1/hosts/c1', headers=headers, status=403)
            self.app.post_json('/v1/hosts', {'name': 'c2', 'source': 'src'},
                               headers=headers, status=403)
            self.app.put_json('/v1/hosts/c1/state',
                              {'target': 'evacuated'}, headers=headers,
                              status=403)
            self.app.delete('/v1/hosts/c1', headers=headers, status=403)
        self.app.get('/v1/hosts/c1', headers=self.admin, status=200)


V12 = {'OpenStack-API-Version': 'migration 1.2'}


class TestEvacuationPlan(HostsTestCase):
    """``/v1/hosts/{id}/evacuation-plan`` (1.2) and the choices of
    ``PUT .../state``, the conductor reading a fake source cloud."""

    def configure(self):
        super().configure()
        self.cloud = fake_nova.FakeCloud()
        for name in ('compute-1', 'compute-2', 'compute-3'):
            self.cloud.add_host(name)
        for patcher in (
                mock.patch.object(cloud_config, 'connect',
                                  lambda *a, **k: self.cloud),
                mock.patch.object(nova, 'compute_max_version',
                                  lambda conn: '2.96')):
            patcher.start()
            self.addCleanup(patcher.stop)

    def the_issue(self):
        self.cloud.hosts['compute-3']['service']['status'] = 'disabled'
        self.cloud.add_group('g', 'anti-affinity')
        self.cloud.add_server('a', 'compute-1', group='g')
        self.cloud.add_server('b', 'compute-2', group='g')
        self.cloud.add_server('c', 'compute-1')

    def plan_path(self, uuid):
        return f'/v1/hosts/{uuid}/evacuation-plan'

    def test_needs_microversion_1_2(self):
        uuid = self.post(register_body()).json['uuid']
        error = self.app.get(self.plan_path(uuid), headers=V11,
                             status=404).json['error']
        self.assertIn('evacuation-plan needs microversion 1.2',
                      error['message'])
        self.app.post_json(self.plan_path(uuid), {}, headers=V11,
                           status=404)
        error = self.put_state(uuid, {'target': 'evacuated',
                                      'servers': {'a': 'leave'}},
                               status=400).json['error']
        self.assertIn("('servers' was unexpected) in microversion 1.1; this "
                      'body needs microversion 1.2 (header '
                      'OpenStack-API-Version: migration 1.2)',
                      error['message'])

    def test_dry_run_shows_the_plan_and_stores_nothing(self):
        self.the_issue()
        uuid = self.post(register_body()).json['uuid']
        error = self.app.get(self.plan_path(uuid), headers=V12,
                             status=404).json['error']
        self.assertIn('has no evacuation plan yet', error['message'])
        plan = self.app.post_json(self.plan_path(uuid), {}, headers=V12,
                                  status=200).json
        self.assertFalse(plan['feasible'])
        servers = {s['id']: s for s in plan['servers']}
        self.assertEqual(('blocked', 'move'), (servers['a']['action'],
                                               servers['c']['action']))
        self.assertIn({'host': 'compute-2',
                       'rule': 'ServerGroupAntiAffinity',
                       'reason': 'group group-g (anti-affinity, at most 1 '
                                 'per host) already has vm-b on it'},
                      servers['a']['excluded'])
        self.assertTrue(plan['links'][0]['href'].endswith(
            f'/v1/hosts/{uuid}/evacuation-plan'))
        chosen = self.app.post_json(self.plan_path(uuid), {
            'servers': {'vm-a': 'to_destination'}}, headers=V12).json
        self.assertTrue(chosen['feasible'])
        self.app.get(self.plan_path(uuid), headers=V12, status=404)
        self.assertEqual([], [r for r in self.cloud.requests
                              if r[1] != 'GET'])

    def test_bad_choices_are_400(self):
        self.the_issue()
        uuid = self.post(register_body()).json['uuid']
        for body in ({'servers': {'a': 'later'}}, {'servers': []},
                     {'target': 'in_source'}, {'surprise': 1}):
            self.app.post_json(self.plan_path(uuid), body, headers=V12,
                               status=400)
        error = self.app.post_json(self.plan_path(uuid), {
            'servers': {'vm-z': 'leave'}}, headers=V12,
            status=400).json['error']
        self.assertIn('server vm-z is not on the host', error['message'])
        self.put_state(uuid, {'target': 'evacuated',
                              'servers': {'a': 'maybe'}}, status=400)

    def test_infeasible_request_is_accepted_then_stops_before_disabling(self):
        self.the_issue()
        uuid = self.post(register_body()).json['uuid']
        self.app.put_json(f'/v1/hosts/{uuid}/state',
                          {'target': 'evacuated'}, headers=V12, status=202)
        work.wait_for(lambda: host_api.get_host(uuid).target is None,
                      timeout=60)
        host = self.app.get(f'/v1/hosts/{uuid}', headers=V12).json
        self.assertEqual(('in_source', None), (host['state'],
                                               host['failed_step']))
        self.assertIn('ServerGroupAntiAffinity', host['last_error'])
        self.assertEqual('enabled',
                         self.cloud.hosts['compute-1']['service']['status'])
        plan = self.app.get(self.plan_path(uuid), headers=V12).json
        self.assertEqual(['blocked', 'move'],
                         [s['action'] for s in plan['servers']])

    def test_choices_go_with_the_request_and_the_plan_is_followed(self):
        self.the_issue()
        uuid = self.post(register_body()).json['uuid']
        accepted = self.app.put_json(
            f'/v1/hosts/{uuid}/state',
            {'target': 'evacuated', 'servers': {'vm-a': 'leave'}},
            headers=V12, status=202).json
        self.assertEqual({'vm-a': 'leave'},
                         accepted['options']['evacuation_choices'])
        work.wait_for(lambda: host_api.get_host(uuid).target is None,
                      timeout=60)
        host = self.app.get(f'/v1/hosts/{uuid}', headers=V12).json
        self.assertEqual(('disabled', None), (host['state'],
                                              host['last_error']))
        plan = self.app.get(self.plan_path(uuid), headers=V12).json
        self.assertEqual({'a': 'leave', 'c': 'move'},
                         {s['id']: s['action'] for s in plan['servers']})
        self.assertEqual('compute-2', self.cloud.servers['c'][
            'OS-EXT-SRV-ATTR:host'])

    def test_the_dry_run_does_not_retry_the_cloud(self):
        # The API waits for the answer: a cloud that fails is reported
        # at once rather than after [clouds] api_retries pauses.
        uuid = self.post(register_body()).json['uuid']
        with mock.patch.object(cloud_config, 'connect',
                               return_value=self.cloud) as connect:
            self.app.post_json(self.plan_path(uuid), {}, headers=V12)
        self.assertEqual(0, connect.call_args.kwargs['retries'])

    def test_an_unreachable_source_is_503(self):
        uuid = self.post(register_body()).json['uuid']
        with mock.patch.object(cloud_config, 'connect',
                               side_effect=ksa_exc.ConnectFailure('down')):
            error = self.app.post_json(self.plan_path(uuid), {},
                                       headers=V12,
                                       status=503).json['error']
        self.assertEqual('Cloud src could not be read: down',
                         error['message'])
