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

"""Security group rule matching, comparison and quota demand."""

from oslotest import base

from pumphouse.drivers.resources.network import security_group as sg
from pumphouse.engine import graph as graph_mod
from pumphouse.engine import resource as res


def rule(**fields) -> dict:
    values = {'direction': 'ingress', 'ethertype': 'IPv4', 'protocol': None,
              'port_range_min': None, 'port_range_max': None,
              'remote_ip_prefix': None, 'remote_group': None,
              'description': ''}
    values.update(fields)
    return values


class TestNormalForms(base.BaseTestCase):

    def test_protocol_names_are_numbers(self):
        self.assertEqual('6', sg.normal_protocol('tcp', 'IPv4'))
        self.assertEqual('6', sg.normal_protocol('6', 'IPv4'))
        self.assertEqual('17', sg.normal_protocol('UDP', 'IPv4'))
        self.assertEqual('1', sg.normal_protocol('icmp', 'IPv4'))

    def test_icmp_in_ipv6_is_icmpv6(self):
        self.assertEqual('58', sg.normal_protocol('icmp', 'IPv6'))
        self.assertEqual('58', sg.normal_protocol('ipv6-icmp', 'IPv6'))
        self.assertEqual('58', sg.normal_protocol('icmpv6', 'IPv6'))

    def test_any_protocol_is_none(self):
        for value in (None, '', 'any', 'ANY'):
            self.assertIsNone(sg.normal_protocol(value, 'IPv4'), value)

    def test_unknown_protocol_is_kept(self):
        self.assertEqual('42', sg.normal_protocol(42, 'IPv4'))
        self.assertEqual('bogus', sg.normal_protocol('bogus', 'IPv4'))

    def test_prefixes_are_canonical_and_anywhere_is_none(self):
        self.assertIsNone(sg.normal_prefix(None))
        self.assertIsNone(sg.normal_prefix('0.0.0.0/0'))
        self.assertIsNone(sg.normal_prefix('::/0'))
        self.assertEqual('10.0.0.0/8', sg.normal_prefix('10.1.2.3/8'))
        self.assertEqual('fd00::/64', sg.normal_prefix('fd00::1/64'))
        self.assertEqual('192.0.2.7/32', sg.normal_prefix('192.0.2.7'))
        self.assertEqual('not-a-cidr', sg.normal_prefix('not-a-cidr'))


class TestRuleKey(base.BaseTestCase):

    def test_spelling_does_not_make_another_rule(self):
        self.assertEqual(
            sg.rule_key(rule(protocol='tcp', port_range_min=80,
                             port_range_max=80,
                             remote_ip_prefix='0.0.0.0/0')),
            sg.rule_key(rule(protocol='6', port_range_min=80,
                             port_range_max=80)))

    def test_description_is_not_identity(self):
        self.assertEqual(sg.rule_key(rule(description='a')),
                         sg.rule_key(rule(description='b')))

    def test_what_neutron_tells_apart_differs(self):
        base_rule = rule(protocol='tcp', port_range_min=22,
                         port_range_max=22)
        for change in ({'direction': 'egress'}, {'ethertype': 'IPv6'},
                       {'protocol': 'udp'}, {'port_range_max': 23},
                       {'remote_ip_prefix': '10.0.0.0/8'},
                       {'remote_group': 'g1'}):
            self.assertNotEqual(sg.rule_key(base_rule),
                                sg.rule_key(dict(base_rule, **change)),
                                change)

    def test_auto_egress_shape(self):
        self.assertTrue(sg._is_auto_egress(rule(direction='egress')))
        self.assertTrue(sg._is_auto_egress(
            rule(direction='egress', ethertype='IPv6',
                 remote_ip_prefix='::/0')))
        self.assertFalse(sg._is_auto_egress(rule()))
        self.assertFalse(sg._is_auto_egress(
            rule(direction='egress', protocol='tcp')))
        self.assertFalse(sg._is_auto_egress(
            rule(direction='egress', remote_group='g1')))


class TestRuleCompare(base.BaseTestCase):

    def setUp(self):
        super().setUp()
        self.driver = sg.SecurityGroupRuleDriver()

    def test_equal_spellings_compare_equal(self):
        expected = rule(protocol='tcp', remote_ip_prefix='0.0.0.0/0',
                        security_group='d1')
        actual = dict(rule(protocol='6', security_group='d1'), id='r1')
        self.assertEqual({}, self.driver.compare(expected, actual))

    def test_description_is_compared(self):
        diffs = self.driver.compare(rule(description='ssh'),
                                    dict(rule(), id='r1'))
        self.assertEqual({'description': {'source': 'ssh',
                                          'destination': ''}}, diffs)


class TestDemand(base.BaseTestCase):

    def setUp(self):
        super().setUp()
        project = res.ref('identity.project', 'p1')
        self.default = res.Resource(sg.GROUP, 'g-default', 'default',
                                    {'name': 'default', 'project': project})
        self.web = res.Resource(sg.GROUP, 'g-web', 'web',
                                {'name': 'web', 'project': project})
        self.graph = graph_mod.ResourceGraph()
        self.graph.add(self.default)
        self.graph.add(self.web)
        self.groups = sg.SecurityGroupDriver()
        self.rules = sg.SecurityGroupRuleDriver()

    def test_default_group_takes_no_quota(self):
        self.assertEqual({}, self.groups.demand(None, self.default,
                                                self.graph))

    def test_other_group_takes_one(self):
        self.assertEqual(
            {('quota', 'network', 'p1', 'security_group'): 1},
            self.groups.demand(None, self.web, self.graph))

    def test_rule_counts_against_its_groups_project(self):
        for group in (self.default, self.web):
            resource = res.Resource(
                'network.security_group_rule', 'r1', None,
                rule(security_group=res.ref(sg.GROUP, group.id)))
            self.assertEqual(
                {('quota', 'network', 'p1', 'security_group_rule'): 1},
                self.rules.demand(None, resource, self.graph))

    def test_rule_of_unknown_group_takes_nothing(self):
        resource = res.Resource(
            'network.security_group_rule', 'r1', None,
            rule(security_group=res.ref(sg.GROUP, 'elsewhere')))
        self.assertEqual({}, self.rules.demand(None, resource, self.graph))


class TestRename(base.BaseTestCase):

    def test_default_group_keeps_its_name(self):
        driver = sg.SecurityGroupDriver()
        self.assertEqual({'name': 'default'},
                         driver.rename({'name': 'default'}, '-migrated'))
        self.assertEqual({'name': 'web-migrated'},
                         driver.rename({'name': 'web'}, '-migrated'))
