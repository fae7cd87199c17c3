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

"""The API version pre-check: what the drivers need of each cloud against
what its version discovery announced (given as plain data here; the
functional tests read two real clouds of different releases)."""

import unittest

from pumphouse.common import api_versions
from pumphouse.engine import checks
from pumphouse.engine import driver as base
from pumphouse.engine import graph as graph_mod
from pumphouse.engine import registry
from pumphouse.engine import resource as res
from pumphouse.engine.checks import api_version
from pumphouse.tests.unit.drivers import fakes

NOVA_2024_1 = api_versions.ServiceApi('compute', '2.1', '2.1', '2.96')
NOVA_OLD = api_versions.ServiceApi('compute', '2.1', '2.1', '2.42')
NEUTRON = api_versions.ServiceApi('network', '2.0',
                                  extensions=frozenset({'router'}))


class _Driver(base.ResourceDriver):
    api_needs = (
        base.ApiNeed('source', 'compute', 'tags', microversion='2.26'),
        base.ApiNeed('destination', 'compute', 'rules',
                     microversion='2.64'),
        *base.on_both('network', 'routes', extension='extraroute'))

    def expand(self, ctx, selection, graph):
        return []

    fetch = find_destination = get_destination = expand
    create = delete = expand


def _context(source, destination) -> fakes.FakeContext:
    """A context whose clouds announced the API versions ``source`` and
    ``destination``."""
    return fakes.FakeContext(versions={'source': source,
                                       'destination': destination})


def _plan(action):
    graph = graph_mod.ResourceGraph()
    thing = res.Resource('test.thing', 't1', 'thing', {})
    graph.add(thing)
    return checks.Plan(graph, [{'resource_type': 'test.thing',
                                'source_id': 't1', 'action': action,
                                'details': {}}])


class TestServiceApi(unittest.TestCase):

    def test_microversion_range(self):
        self.assertTrue(NOVA_2024_1.offers(microversion='2.96'))
        self.assertTrue(NOVA_2024_1.offers(microversion='2.10'))
        self.assertFalse(NOVA_2024_1.offers(microversion='2.100'))
        self.assertFalse(NOVA_OLD.offers(microversion='2.61'))

    def test_version_compares_as_numbers(self):
        keystone = api_versions.ServiceApi('identity', '3.14')
        self.assertTrue(keystone.offers(version='3.7'))
        self.assertFalse(keystone.offers(version='3.15'))
        self.assertFalse(api_versions.ServiceApi(
            'identity', None).offers(version='3.0'))

    def test_a_service_without_microversions_accepts_none(self):
        self.assertFalse(NEUTRON.offers(microversion='2.1'))
        self.assertTrue(NEUTRON.offers(extension='router'))
        self.assertFalse(NEUTRON.offers(extension='extraroute'))

    def test_describe(self):
        self.assertEqual('compute v2.1 (microversions 2.1-2.96)',
                         NOVA_2024_1.describe())
        self.assertEqual('network v2.0 (1 extensions)', NEUTRON.describe())

    def test_format_version(self):
        self.assertEqual('2.96', api_versions.format_version((2, 96)))
        self.assertEqual('3.0', api_versions.format_version('3.0'))
        self.assertIsNone(api_versions.format_version(None))


class TestApiVersionCheck(unittest.TestCase):

    def drivers(self):
        driver = _Driver()
        driver.resource_type = 'test.thing'
        return {'test.thing': driver}

    def test_destination_needs_count_only_for_what_is_created(self):
        found = api_version.needs(_plan('reuse'), self.drivers())
        self.assertEqual({('source', 'compute'), ('source', 'network')},
                         set(found))
        found = api_version.needs(_plan('create'), self.drivers())
        self.assertEqual(4, len(found))

    def test_an_old_source_fails_naming_cloud_service_and_version(self):
        full = api_versions.ServiceApi(
            'network', '2.0', extensions=frozenset({'router', 'extraroute'}))
        ctx = _context({'compute': NOVA_OLD, 'network': NEUTRON},
                       {'compute': NOVA_2024_1, 'network': full})
        results = {r.name: r for r in api_version.check(
            ctx, _plan('create'), self.drivers())}
        self.assertEqual(
            {'api_version:source:compute': 'passed',
             'api_version:source:network': 'failed',
             'api_version:destination:compute': 'passed',
             'api_version:destination:network': 'passed'},
            {n: r.status for n, r in results.items()})
        self.assertEqual(
            "the source cloud's network API (Neutron) v2.0 has 1 "
            'extensions; routes needs extension extraroute',
            results['api_version:source:network'].message)

    def test_a_microversion_beyond_the_cloud_fails(self):
        ctx = _context({'compute': NOVA_2024_1},
                       {'compute': NOVA_OLD})
        results = {r.name: r for r in api_version.check(
            ctx, _plan('create'), self.drivers())}
        failed = results['api_version:destination:compute']
        self.assertEqual('failed', failed.status)
        self.assertEqual(
            "the destination cloud's compute API (Nova) offers "
            'microversions 2.1 to 2.42; rules needs microversion 2.64',
            failed.message)

    def test_a_service_missing_from_the_catalog_fails(self):
        ctx = _context({}, {})
        results = {r.name: r for r in api_version.check(
            ctx, _plan('reuse'), self.drivers())}
        self.assertIn('is not in its catalog',
                      results['api_version:source:compute'].message)

    def test_announce_records_both_clouds(self):
        ctx = _context({'compute': NOVA_2024_1}, {})
        api_version.announce(ctx)
        self.assertEqual(
            [('versions', 'source cloud: compute v2.1 (microversions '
                          '2.1-2.96)'),
             ('versions', 'destination cloud: no services')],
            [(e.event_type, e.message) for e in ctx.events])

    def test_every_driver_need_is_well_formed(self):
        for name, driver in registry.load_drivers().items():
            for need in driver.api_needs:
                self.assertIn(need.side, api_version.SIDES, name)
                self.assertIn(need.service_type, api_versions.SERVICE_TYPES,
                              name)
                self.assertEqual(1, sum(1 for w in (
                    need.microversion, need.version, need.extension) if w),
                    name)
