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

"""Pre-checks of a plan: the arithmetic and the decisions, with the
destination's answers given as plain data."""

import types
import unittest

from pumphouse.engine import checks
from pumphouse.engine import driver as base
from pumphouse.engine import graph as graph_mod
from pumphouse.engine import resource as res
from pumphouse.engine.checks import capacity
from pumphouse.engine.checks import facts
from pumphouse.engine.checks import network
from pumphouse.engine.checks import quota
from pumphouse.tests.unit.drivers import fakes


class _Thing(base.ResourceDriver):
    """A driver whose resources take one network port each."""

    quota = ('network', 'port')

    def expand(self, ctx, selection, graph):
        return []

    fetch = find_destination = get_destination = expand
    create = delete = expand


class _Server(_Thing):
    """Servers that take Placement resources; the destination's resource
    providers are given (``providers``), and every question is counted."""

    def __init__(self, providers=()):
        self.providers = list(providers)
        self.asked = 0

    def demand(self, ctx, resource, graph):
        flavor = resource.data['flavor']
        return {('placement', 'VCPU'): flavor[0],
                ('placement', 'MEMORY_MB'): flavor[1]}

    def placement_providers(self, ctx):
        self.asked += 1
        return self.providers


def _provider(name, free, max_unit):
    """A resource provider with nothing used or reserved and a ratio of
    1: its free capacity is its total."""
    return facts.ProviderUsage(
        name, {rc: {'total': amount, 'max_unit': max_unit[rc]}
               for rc, amount in free.items()}, {})


class _Neutron:
    """The network drivers' answers for the network checks."""

    def __init__(self, subnets=(), networks=(), addresses=None):
        self.subnets, self.networks = list(subnets), list(networks)
        self.addresses = addresses or {}

    def destination_subnets(self, ctx, network_id=None):
        return [s for s in self.subnets
                if network_id in (None, s.network_id)]

    def destination_subnet(self, ctx, subnet_id):
        return next(s for s in self.subnets if s.id == subnet_id)

    def destination_networks(self, ctx):
        return self.networks

    def destination_network(self, ctx, network_id):
        return next(n for n in self.networks if n.id == network_id)

    def destination_addresses(self, ctx, network_id):
        return self.addresses.get(network_id, {})

    def drivers(self):
        return {'network.network': self, 'network.subnet': self,
                'network.port': self}


class _Quota:
    """The pre-check's view of a quota driver, with fixed answers."""

    def __init__(self, usage, defaults):
        self._usage, self._defaults = usage, defaults

    def usage(self, ctx, project_id):
        return self._usage[project_id]

    def defaults(self, ctx):
        return self._defaults

    def demand(self, ctx, resource, graph):
        return {}


def _context(ids=None) -> fakes.FakeContext:
    """A context whose run recorded the destination ``ids``."""
    return fakes.FakeContext(destination=types.SimpleNamespace(), ids=ids)


def _plan(resources, actions):
    graph = graph_mod.ResourceGraph()
    items = []
    for resource in resources:
        graph.add(resource)
        items.append({'resource_type': resource.type,
                      'source_id': resource.id,
                      'action': actions.get(resource.key, 'create'),
                      'details': {'attrs': resource.attrs}})
    return checks.Plan(graph, items), items


def _project(source_id, name):
    return res.Resource('identity.project', source_id, name, {})


def _port(source_id, project='p1'):
    return res.Resource('test.port', source_id, f'port-{source_id}',
                        {'project': res.ref('identity.project', project)})


class TestOverrides(unittest.TestCase):

    FAILED = {'name': 'quota:demo:network.port', 'category': 'quota',
              'status': 'failed', 'message': 'm'}

    def test_by_name_category_or_prefix(self):
        for override in ('quota:demo:network.port', 'quota', 'quota:demo'):
            self.assertTrue(checks.overridden(self.FAILED, [override]))
        for override in ('capacity', 'quota:ops', 'quota:demo:network'):
            self.assertFalse(checks.overridden(self.FAILED, [override]))

    def test_only_failed_checks_block(self):
        passed = dict(self.FAILED, status='passed')
        warning = dict(self.FAILED, status='warning')
        self.assertEqual([self.FAILED], checks.blocking(
            [passed, warning, self.FAILED], []))
        self.assertEqual([], checks.blocking([self.FAILED], ['quota']))


class TestQuotaCheck(unittest.TestCase):

    def drivers(self, usage, defaults=None):
        thing = _Thing()
        thing.resource_type = 'test.port'
        return {'test.port': thing,
                'network.quota': _Quota(usage, defaults or {})}

    def test_existing_project_without_room_fails_with_numbers(self):
        plan, _ = _plan([_project('p1', 'demo'), _port('a'), _port('b'),
                         _port('c')],
                        {('identity.project', 'p1'): 'reuse'})
        ctx = _context({('identity.project', 'p1'): 'd1'})
        drivers = self.drivers({'d1': {'port': (10, 8)}})
        [result] = quota.check(ctx, plan, drivers)
        self.assertEqual('failed', result.status)
        self.assertEqual('quota:demo:network.port', result.name)
        self.assertEqual((3, 2), (result.needed, result.available))
        self.assertIn('needs 3 network port', result.message)
        self.assertIn('allows 2 more (limit 10, 8 in use)', result.message)

    def test_reused_resources_take_nothing(self):
        plan, _ = _plan([_project('p1', 'demo'), _port('a'), _port('b')],
                        {('identity.project', 'p1'): 'reuse',
                         ('test.port', 'a'): 'reuse'})
        ctx = _context({('identity.project', 'p1'): 'd1'})
        [result] = quota.check(ctx, plan, self.drivers(
            {'d1': {'port': (10, 9)}}))
        self.assertEqual(('passed', 1), (result.status, result.needed))

    def test_new_project_gets_defaults_unless_the_plan_sets_limits(self):
        resources = [_project('p1', 'demo'), _port('a'), _port('b')]
        drivers = self.drivers({}, defaults={'port': 1})
        plan, _ = _plan(resources, {})
        [result] = quota.check(_context(), plan, drivers)
        self.assertEqual(('failed', 1), (result.status, result.available))
        limits = res.Resource('network.quota', 'p1', 'demo', {
            'project': res.ref('identity.project', 'p1'),
            'limits': {'port': 5}})
        plan, _ = _plan(resources + [limits], {})
        [result] = quota.check(_context(), plan, drivers)
        self.assertEqual(('passed', 5), (result.status, result.available))

    def test_unlimited_passes(self):
        plan, _ = _plan([_project('p1', 'demo'), _port('a')], {})
        [result] = quota.check(_context(), plan,
                               self.drivers({}, defaults={'port': -1}))
        self.assertEqual('passed', result.status)


class TestCapacity(unittest.TestCase):

    def test_free_capacity_formula(self):
        free, max_unit = capacity.free_capacity(
            {'VCPU': {'total': 8, 'reserved': 2, 'allocation_ratio': 4.0,
                      'max_unit': 8},
             'MEMORY_MB': {'total': 1024, 'reserved': 0,
                           'allocation_ratio': 1.5, 'max_unit': 1024}},
            {'VCPU': 20, 'MEMORY_MB': 100})
        self.assertEqual({'VCPU': 4, 'MEMORY_MB': 1436}, free)
        self.assertEqual({'VCPU': 8, 'MEMORY_MB': 1024}, max_unit)

    def test_providers_free_capacity(self):
        [provider] = capacity.providers([facts.ProviderUsage(
            'h1', {'VCPU': {'total': 8, 'reserved': 2,
                            'allocation_ratio': 4.0}},
            {'VCPU': 20})])
        self.assertEqual(('h1', {'VCPU': 4}, {'VCPU': 8}),
                         (provider.name, provider.free, provider.max_unit))

    def plan(self, *flavors, providers=()):
        servers = []
        for n, flavor in enumerate(flavors):
            server = res.Resource('test.server', f's{n}', f'server-{n}', {},
                                  data={'flavor': flavor})
            servers.append(server)
        driver = _Server(providers)
        driver.resource_type = 'test.server'
        plan, _ = _plan(servers, {})
        return plan, {'test.server': driver}

    def test_total_shortage_is_reported_with_numbers(self):
        plan, drivers = self.plan(*[(4, 512)] * 6, providers=[
            _provider('h1', {'VCPU': 8, 'MEMORY_MB': 4096},
                      {'VCPU': 16, 'MEMORY_MB': 8192}),
            _provider('h2', {'VCPU': 8, 'MEMORY_MB': 4096},
                      {'VCPU': 16, 'MEMORY_MB': 8192})])
        results = {r.name: r for r in capacity.check(_context(), plan,
                                                     drivers)}
        vcpu = results['capacity:VCPU']
        self.assertEqual('failed', vcpu.status)
        self.assertIn('needs 24 VCPU, destination has 16 free',
                      vcpu.message)
        self.assertEqual('passed', results['capacity:MEMORY_MB'].status)
        self.assertEqual(1, drivers['test.server'].asked)

    def test_a_server_must_fit_on_one_host(self):
        plan, drivers = self.plan((2, 512), providers=[
            _provider('h1', {'VCPU': 4, 'MEMORY_MB': 100},
                      {'VCPU': 4, 'MEMORY_MB': 100}),
            _provider('h2', {'VCPU': 1, 'MEMORY_MB': 4096},
                      {'VCPU': 4, 'MEMORY_MB': 4096})])
        results = {r.name: r for r in capacity.check(_context(), plan,
                                                     drivers)}
        self.assertEqual('passed', results['capacity:VCPU'].status)
        self.assertEqual('failed', results['capacity:server-0'].status)

    def test_no_servers_no_placement_calls(self):
        plan, drivers = self.plan()
        self.assertEqual([], capacity.check(_context(), plan, drivers))
        self.assertEqual(0, drivers['test.server'].asked)


class TestNetworkChecks(unittest.TestCase):

    def test_pool_arithmetic(self):
        subnet = types.SimpleNamespace(allocation_pools=[
            {'start': '203.0.113.100', 'end': '203.0.113.200'},
            {'start': '203.0.113.5', 'end': '203.0.113.5'}])
        self.assertEqual(102, network.pool_size(subnet))
        self.assertTrue(network.in_pools(subnet, '203.0.113.150'))
        self.assertFalse(network.in_pools(subnet, '203.0.113.201'))

    def test_overlap_within_the_project_or_shared_networks_fails(self):
        ctx = _context({('identity.project', 'p1'): 'dp1'})
        neutron = _Neutron(
            [facts.Subnet('s1', 'mine', 'n1', '10.10.0.0/16',
                          project_id='dp1'),
             facts.Subnet('s2', 'theirs', 'n2', '10.10.0.0/24',
                          project_id='other'),
             facts.Subnet('s3', 'pub', 'n3', '10.10.0.0/28',
                          project_id='admin')],
            [facts.Network('n1', 'a'), facts.Network('n2', 'b'),
             facts.Network('n3', 'c', is_router_external=True)])
        subnet = res.Resource('network.subnet', 'x', 'demo-v4', {
            'cidr': '10.10.0.0/24', 'project': res.ref('identity.project',
                                                       'p1'),
            'network': res.ref('network.network', 'nx')})
        plan, _ = _plan([subnet], {})
        [result] = network.check_cidrs(ctx, plan, neutron.drivers())
        self.assertEqual('cidr_overlap:demo-v4', result.name)
        self.assertIn('10.10.0.0/16 of subnet mine', result.message)
        self.assertIn('10.10.0.0/28 of subnet pub', result.message)
        self.assertNotIn('theirs', result.message)

    def test_wanted_addresses_of_ports_and_interfaces(self):
        subnet = res.ref('network.subnet', 's')
        port = res.Resource('network.port', 'p', 'web', {'fixed_ips': [
            {'subnet': subnet, 'ip_address': '10.0.0.5'}]})
        interface = res.Resource('network.router_interface', 'i', None, {
            'subnet': subnet, 'ip_address': '10.0.0.1'})
        reused = res.Resource('network.port', 'q', 'old', {'fixed_ips': [
            {'subnet': subnet, 'ip_address': '10.0.0.6'}]})
        plan, _ = _plan([port, interface, reused],
                        {('network.port', 'q'): 'reuse'})
        self.assertEqual(
            [('port web', subnet, '10.0.0.5'),
             ('router interface i', subnet, '10.0.0.1')],
            network.wanted_addresses(plan))

    def test_taken_fixed_ip_and_floating_pool(self):
        ctx = _context({('network.subnet', 's'): 'ds',
                        ('network.network', 'ext'): 'dext'})
        neutron = _Neutron(
            [facts.Subnet('ds', 'demo-v4', 'dn', '10.0.0.0/24'),
             facts.Subnet('dpub', None, 'dext', '203.0.113.0/24',
                          allocation_pools=({'start': '203.0.113.10',
                                             'end': '203.0.113.11'},))],
            [facts.Network('dn', 'demo'), facts.Network('dext', 'public')],
            {'dn': {'10.0.0.5': 'other-port'},
             'dext': {'203.0.113.10': 'router-gw'}})
        port = res.Resource('network.port', 'p', 'web', {'fixed_ips': [
            {'subnet': res.ref('network.subnet', 's'),
             'ip_address': '10.0.0.5'}]})
        fips = [res.Resource('network.floating_ip', f'f{n}', None, {
            'floating_network': res.ref('network.network', 'ext'),
            'floating_ip_address': address})
            for n, address in enumerate(('203.0.113.10', '203.0.113.11'))]
        plan, _ = _plan([port] + fips, {})
        results = {r.name: r for r in network.check_addresses(
            ctx, plan, neutron.drivers())}
        taken = results['addresses:demo-v4:10.0.0.5']
        self.assertEqual('failed', taken.status)
        self.assertEqual('port web needs 10.0.0.5 in subnet demo-v4; port '
                         'other-port has it in the destination',
                         taken.message)
        pool = results['addresses:public:floating']
        self.assertEqual(('failed', 2, 1),
                         (pool.status, pool.needed, pool.available))
        self.assertEqual('warning',
                         results['addresses:public:203.0.113.10'].status)
        self.assertEqual(3, len(results))

    def test_floating_ip_outside_the_pools_takes_no_pool_address(self):
        ctx = _context({('network.network', 'ext'): 'dext'})
        neutron = _Neutron(
            [facts.Subnet('dpub', None, 'dext', '203.0.113.0/24',
                          allocation_pools=({'start': '203.0.113.100',
                                             'end': '203.0.113.100'},))],
            [facts.Network('dext', 'public')],
            {'dext': {'203.0.113.21': 'someone'}})
        fips = [res.Resource('network.floating_ip', f'f{n}', None, {
            'floating_network': res.ref('network.network', 'ext'),
            'floating_ip_address': address})
            # outside and free; outside but taken; in the pool; none
            for n, address in enumerate(('203.0.113.20', '203.0.113.21',
                                         '203.0.113.100', None))]
        plan, _ = _plan(fips, {})
        results = {r.name: r for r in network.check_addresses(
            ctx, plan, neutron.drivers())}
        pool = results['addresses:public:floating']
        self.assertEqual(('failed', 3, 1),
                         (pool.status, pool.needed, pool.available))
        self.assertEqual('needs 3 floating IPs from the pools of public, '
                         'the destination has 1 free', pool.message)
