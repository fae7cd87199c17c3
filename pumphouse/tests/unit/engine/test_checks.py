"""Pre-checks of a plan: the arithmetic and the decisions, with the
destination's answers given as plain data."""

import types
import unittest
from unittest import mock

from pumphouse.drivers.resources import base
from pumphouse.engine import checks
from pumphouse.engine import graph as graph_mod
from pumphouse.engine import resource as res
from pumphouse.engine.checks import capacity
from pumphouse.engine.checks import network
from pumphouse.engine.checks import quota


class _Thing(base.ResourceDriver):
    """A driver whose resources take one network port each."""

    quota = ('network', 'port')

    def expand(self, ctx, selection, graph):
        return []

    fetch = find_destination = get_destination = expand
    create = delete = expand


class _Server(_Thing):
    def demand(self, ctx, resource, graph):
        flavor = resource.data['flavor']
        return {('placement', 'VCPU'): flavor[0],
                ('placement', 'MEMORY_MB'): flavor[1]}


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


class _Context:
    def __init__(self, mapping=None):
        self.mapping = mapping or {}
        self.events = []
        self.destination = types.SimpleNamespace()

    def lookup(self, key):
        return self.mapping.get(tuple(key))

    def event(self, event_type, message, level='INFO', item=None):
        self.events.append((level, message))


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
        ctx = _Context({('identity.project', 'p1'): 'd1'})
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
        ctx = _Context({('identity.project', 'p1'): 'd1'})
        [result] = quota.check(ctx, plan, self.drivers(
            {'d1': {'port': (10, 9)}}))
        self.assertEqual(('passed', 1), (result.status, result.needed))

    def test_new_project_gets_defaults_unless_the_plan_sets_limits(self):
        resources = [_project('p1', 'demo'), _port('a'), _port('b')]
        drivers = self.drivers({}, defaults={'port': 1})
        plan, _ = _plan(resources, {})
        [result] = quota.check(_Context(), plan, drivers)
        self.assertEqual(('failed', 1), (result.status, result.available))
        limits = res.Resource('network.quota', 'p1', 'demo', {
            'project': res.ref('identity.project', 'p1'),
            'limits': {'port': 5}})
        plan, _ = _plan(resources + [limits], {})
        [result] = quota.check(_Context(), plan, drivers)
        self.assertEqual(('passed', 5), (result.status, result.available))

    def test_unlimited_passes(self):
        plan, _ = _plan([_project('p1', 'demo'), _port('a')], {})
        [result] = quota.check(_Context(), plan,
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

    def plan(self, *flavors):
        servers = []
        for n, flavor in enumerate(flavors):
            server = res.Resource('test.server', f's{n}', f'server-{n}', {},
                                  data={'flavor': flavor})
            servers.append(server)
        driver = _Server()
        driver.resource_type = 'test.server'
        plan, _ = _plan(servers, {})
        return plan, {'test.server': driver}

    @mock.patch.object(capacity, 'providers')
    def test_total_shortage_is_reported_with_numbers(self, providers):
        providers.return_value = [
            capacity.Provider('h1', {'VCPU': 8, 'MEMORY_MB': 4096},
                              {'VCPU': 16, 'MEMORY_MB': 8192}),
            capacity.Provider('h2', {'VCPU': 8, 'MEMORY_MB': 4096},
                              {'VCPU': 16, 'MEMORY_MB': 8192})]
        plan, drivers = self.plan(*[(4, 512)] * 6)
        results = {r.name: r for r in capacity.check(_Context(), plan,
                                                     drivers)}
        vcpu = results['capacity:VCPU']
        self.assertEqual('failed', vcpu.status)
        self.assertIn('needs 24 VCPU, destination has 16 free',
                      vcpu.message)
        self.assertEqual('passed', results['capacity:MEMORY_MB'].status)

    @mock.patch.object(capacity, 'providers')
    def test_a_server_must_fit_on_one_host(self, providers):
        providers.return_value = [
            capacity.Provider('h1', {'VCPU': 4, 'MEMORY_MB': 100},
                              {'VCPU': 4, 'MEMORY_MB': 100}),
            capacity.Provider('h2', {'VCPU': 1, 'MEMORY_MB': 4096},
                              {'VCPU': 4, 'MEMORY_MB': 4096})]
        plan, drivers = self.plan((2, 512))
        results = {r.name: r for r in capacity.check(_Context(), plan,
                                                     drivers)}
        self.assertEqual('passed', results['capacity:VCPU'].status)
        self.assertEqual('failed', results['capacity:server-0'].status)

    def test_no_servers_no_placement_calls(self):
        plan, drivers = self.plan()
        self.assertEqual([], capacity.check(_Context(), plan, drivers))


class TestNetworkChecks(unittest.TestCase):

    def test_pool_arithmetic(self):
        subnet = types.SimpleNamespace(allocation_pools=[
            {'start': '203.0.113.100', 'end': '203.0.113.200'},
            {'start': '203.0.113.5', 'end': '203.0.113.5'}])
        self.assertEqual(102, network.pool_size(subnet))
        self.assertTrue(network.in_pools(subnet, '203.0.113.150'))
        self.assertFalse(network.in_pools(subnet, '203.0.113.201'))

    def _destination(self, subnets, networks):
        return types.SimpleNamespace(network=types.SimpleNamespace(
            subnets=lambda **kw: subnets, networks=lambda **kw: networks))

    def test_overlap_within_the_project_or_shared_networks_fails(self):
        ctx = _Context({('identity.project', 'p1'): 'dp1'})
        ctx.destination = self._destination(
            [types.SimpleNamespace(id='s1', name='mine', cidr='10.10.0.0/16',
                                   network_id='n1', project_id='dp1'),
             types.SimpleNamespace(id='s2', name='theirs',
                                   cidr='10.10.0.0/24', network_id='n2',
                                   project_id='other'),
             types.SimpleNamespace(id='s3', name='pub', cidr='10.10.0.0/28',
                                   network_id='n3', project_id='admin')],
            [types.SimpleNamespace(id='n1', is_shared=False,
                                   is_router_external=False),
             types.SimpleNamespace(id='n2', is_shared=False,
                                   is_router_external=False),
             types.SimpleNamespace(id='n3', is_shared=False,
                                   is_router_external=True)])
        subnet = res.Resource('network.subnet', 'x', 'demo-v4', {
            'cidr': '10.10.0.0/24', 'project': res.ref('identity.project',
                                                       'p1'),
            'network': res.ref('network.network', 'nx')})
        plan, _ = _plan([subnet], {})
        [result] = network.check_cidrs(ctx, plan, {})
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
