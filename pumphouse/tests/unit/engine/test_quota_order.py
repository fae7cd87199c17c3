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

"""A project's quotas come before what they count."""

import unittest

from pumphouse.engine import graph as graph_mod
from pumphouse.engine import planner
from pumphouse.engine import resource as res


def project_resource(resource_type, source_id, project='p1', **attrs):
    return res.Resource(resource_type, source_id, source_id, dict(
        attrs, project=res.ref('identity.project', project)))


class TestQuotaNeeds(unittest.TestCase):

    def setUp(self):
        super().setUp()
        self.graph = graph_mod.ResourceGraph()
        for resource in (
                res.Resource('identity.project', 'p1', 'p1', {}),
                project_resource('compute.quota', 'p1'),
                project_resource('network.quota', 'p1'),
                project_resource('network.network', 'n1'),
                project_resource('compute.server', 's1',
                                 network=res.ref('network.network', 'n1')),
                project_resource('compute.server', 's2', project='p2')):
            self.graph.add(resource)

    def needs(self, key):
        return planner.item_needs(self.graph.get(key), self.graph)

    def test_a_server_waits_for_its_project_and_its_quotas(self):
        self.assertEqual({('identity.project', 'p1'),
                          ('network.network', 'n1'),
                          ('compute.quota', 'p1'),
                          ('network.quota', 'p1')},
                         set(self.needs(('compute.server', 's1'))))

    def test_quotas_wait_for_no_quota(self):
        self.assertEqual([('identity.project', 'p1')],
                         self.needs(('compute.quota', 'p1')))

    def test_quotas_outside_the_plan_order_nothing(self):
        self.assertEqual([], self.needs(('compute.server', 's2')))
