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

"""A cloud's every API through the fault proxy: the clouds.yaml entry
:mod:`~pumphouse.tests.functional.proxied_clouds` writes, used the way
Pumphouse connects (:func:`pumphouse.common.cloud_config.connect`)."""

import collections
import os
import sys

import pytest
import yaml

from pumphouse.common import api_versions
from pumphouse.common import cloud_config
from pumphouse.tests import base
from pumphouse.tests.functional import faultproxy
from pumphouse.tests.functional import proxied_clouds
from pumphouse.tests.unit.fault_injection import fake_cloud


def test_minicloud_endpoints_of_the_source():
    entry = {'auth': {'auth_url': 'http://127.0.0.1:25000/v3'},
             'region_name': 'RegionOne'}
    assert proxied_clouds.minicloud_endpoints(entry, 'source') == {
        'identity': 'http://127.0.0.1:25000/v3',
        'image': 'http://127.0.0.1:25001',
        'placement': 'http://127.0.0.1:25002',
        'compute': 'http://127.0.0.1:25003/v2.1',
        'network': 'http://127.0.0.1:25004',
        'block-storage': 'http://127.0.0.1:25005/v3',
        'orchestration': 'http://127.0.0.1:25007/v1/%(project_id)s'}


def test_minicloud_endpoints_of_the_destination_include_ironic():
    entry = {'auth': {'auth_url': 'http://127.0.0.2:26000/v3'}}
    endpoints = proxied_clouds.minicloud_endpoints(entry, 'destination')
    assert endpoints['baremetal'] == 'http://127.0.0.2:26006'
    assert endpoints['compute'] == 'http://127.0.0.2:26003/v2.1'
    assert len(endpoints) == 8


def test_minicloud_endpoints_refuse_another_keystone():
    with pytest.raises(ValueError, match='not the Keystone'):
        proxied_clouds.minicloud_endpoints(
            {'auth': {'auth_url': 'http://127.0.0.1:25000/v2.0'}}, 'source')


def test_override_keys_are_openstacksdk_s():
    assert proxied_clouds.override_key('block-storage') == (
        'block_storage_endpoint_override')
    assert proxied_clouds.override_key('compute') == (
        'compute_endpoint_override')


def test_proxied_entry():
    endpoints = {'identity': 'http://127.0.0.1:1/v3',
                 'compute': 'http://127.0.0.1:2/v2.1',
                 'network': 'http://127.0.0.1:3',
                 'block-storage': 'http://127.0.0.1:4/v3',
                 'image': 'http://127.0.0.1:5'}
    entry = {'auth_type': 'password', 'region_name': 'RegionOne',
             'auth': {'auth_url': 'http://127.0.0.1:1/v3', 'username': 'a',
                      'password': 'p'}}
    with faultproxy.FaultProxy(proxied_clouds.upstreams('c', endpoints),
                               rate=0) as proxy:
        proxied = proxied_clouds.proxied_entry(entry, endpoints, proxy)
        origin = {t: proxy.origin(f'c-{t}') for t in endpoints}
    assert entry['auth']['auth_url'] == 'http://127.0.0.1:1/v3'  # a copy
    assert proxied == {
        'auth_type': 'password', 'region_name': 'RegionOne',
        'auth': {'auth_url': origin['identity'] + '/v3', 'username': 'a',
                 'password': 'p'},
        'identity_endpoint_override': origin['identity'] + '/v3',
        'compute_endpoint_override': origin['compute'] + '/v2.1',
        'network_endpoint_override': origin['network'] + '/v2.0',
        'block_storage_endpoint_override': origin['block-storage'] + '/v3',
        'image_endpoint_override': origin['image']}


class TestNothingBypassesTheProxy(base.TestCase):
    """An openstacksdk connection made by Pumphouse from the written
    clouds.yaml: every request any API got came through the proxy."""

    def _connect(self, cloud, proxy):
        path = os.path.join(self.state_path, 'clouds.yaml')
        proxied_clouds.write_clouds_yaml(path, {
            'fake': proxied_clouds.proxied_entry(cloud.entry(),
                                                 cloud.endpoints, proxy)})
        self.assertEqual(0o600, os.stat(path).st_mode & 0o777)
        with open(path) as f:
            self.assertIn('compute_endpoint_override',
                          yaml.safe_load(f)['clouds']['fake'])
        self.config(clouds_yaml=[path], group='clouds')
        self.config(api_retries=0, group='clouds')
        return cloud_config.connect({'cloud': 'fake'}, None)

    @staticmethod
    def _use(conn):
        """Calls of every API, version discovery included."""
        assert [s.id for s in conn.compute.servers()] == ['s1']
        assert list(conn.compute.flavors()) == []
        assert [i.id for i in conn.image.images()] == ['i1']
        # Neutron's page links to its next page (absolute URL).
        assert [n.id for n in conn.network.networks()] == ['n1']
        assert list(conn.block_storage.volumes()) == []
        assert list(conn.identity.projects()) == []
        assert list(conn.placement.resource_providers()) == []
        found = api_versions.discover_cloud(conn)
        assert found['compute'].max_microversion == '2.95'
        assert found['network'].extensions == frozenset({'router'})
        assert set(found) == {'identity', 'compute', 'image', 'network',
                              'block-storage', 'placement'}

    def _seen(self, proxy):
        seen = collections.defaultdict(list)
        for name, method, target in proxy.requests:
            seen[name.split('-', 1)[1]].append((method, target))
        return seen

    def test_every_request_goes_through_the_proxy(self):
        with fake_cloud.FakeCloud() as cloud:
            with faultproxy.FaultProxy(
                    proxied_clouds.upstreams('fake', cloud.endpoints),
                    rate=0, record_requests=True) as proxy:
                conn = self._connect(cloud, proxy)
                # Pumphouse keeps the entry's overrides.
                self.assertEqual(
                    proxy.origin('fake-compute') + '/v2.1',
                    conn.config.get_endpoint('compute'))
                self._use(conn)
                seen = self._seen(proxy)
            got = cloud.requests()
        for service_type, requests in got.items():
            self.assertTrue(requests, f'{service_type} got no request')
            self.assertEqual(sorted(requests), sorted(seen[service_type]),
                             service_type)
        # The next page of networks came through the proxy too.
        self.assertIn(('GET', '/v2.0/networks?marker=n1'), got['network'])

    def test_without_the_rewriting_clients_bypass_the_proxy(self):
        """The control: the same calls through a proxy that rewrites
        nothing reach the clouds directly (version discovery and the
        catalog's URLs)."""
        with fake_cloud.FakeCloud() as cloud:
            with faultproxy.FaultProxy(
                    proxied_clouds.upstreams('fake', cloud.endpoints),
                    rate=0, record_requests=True, rewrite=False) as proxy:
                conn = self._connect(cloud, proxy)
                try:
                    self._use(conn)
                except Exception as e:  # the bypass may also break a call
                    print(f'without rewriting: {e!r}', file=sys.stderr)
                seen = self._seen(proxy)
            got = cloud.requests()
        bypassed = {t for t, requests in got.items()
                    if len(requests) > len(seen[t])}
        self.assertTrue(bypassed)
