"""/v1/hosts through the whole WSGI application.

The in-process conductor takes the host work for real; the clouds cannot
be reached, so a host sent on its way ends ``failed`` at its first step,
which is what these tests expect where a step runs.
"""

import webtest

from pumphouse.api import app as api_app
from pumphouse.db import host_api
from pumphouse.hosts import states
from pumphouse.tests import base
from pumphouse.tests.unit.api import test_policy
from pumphouse.tests.unit.conductor import test_migrations as work

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
        self.config(connect_retries=0, group='clouds')
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
