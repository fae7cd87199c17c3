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

"""Descriptions of Keystone resources are carried as they are: ``""`` and
null are different values for Keystone, for an operator's scripts and so
for verification (issue 14)."""

import types
import unittest
from unittest import mock

from pumphouse.drivers.resources.identity import domain as domain_mod
from pumphouse.drivers.resources.identity import group as group_mod
from pumphouse.drivers.resources.identity import project as project_mod
from pumphouse.drivers.resources.identity import role as role_mod
from pumphouse.drivers.resources.identity import user as user_mod
from pumphouse.engine import graph as graph_mod
from pumphouse.engine import resource as res
from pumphouse.engine import selection as sel
from pumphouse.tests.unit.drivers import fakes


def project(description):
    return types.SimpleNamespace(
        id='p1', name='web', description=description, is_enabled=True,
        tags=[], domain_id='default', parent_id='default')


def domain(description):
    return types.SimpleNamespace(id='d1', name='dom',
                                 description=description, is_enabled=True)


def group(description):
    return types.SimpleNamespace(id='g1', name='team',
                                 description=description,
                                 domain_id='default')


def user(description):
    return types.SimpleNamespace(
        id='u1', name='alice', description=description, email=None,
        is_enabled=True, domain_id='default', default_project_id=None,
        options={})


def role(description):
    return types.SimpleNamespace(id='r1', name='reader',
                                 description=description, domain_id=None)


class TestDescriptions(unittest.TestCase):

    CASES = ((project_mod.ProjectDriver, project),
             (group_mod.GroupDriver, group),
             (user_mod.UserDriver, user),
             (role_mod.RoleDriver, role))

    def test_source_and_destination_read_empty_and_null_apart(self):
        for cls, make in self.CASES:
            driver = cls()
            for value in ('', None, 'text'):
                source = driver.describe_source(make(value))
                self.assertEqual(value, source.attrs['description'],
                                 (cls.__name__, value))
                self.assertEqual(value,
                                 driver._describe(make(value))['description'],
                                 (cls.__name__, value))
            empty = driver._describe(make(''))
            null = driver._describe(make(None))
            self.assertEqual(
                {'description': {'source': '', 'destination': None}},
                driver.compare({k: v for k, v in empty.items() if k != 'id'},
                               null), cls.__name__)

    def test_domain(self):
        self.assertEqual('', domain_mod._attrs(domain(''))['description'])
        self.assertIsNone(domain_mod._attrs(domain(None))['description'])

    def test_role_without_description_is_created_without_one(self):
        driver = role_mod.RoleDriver()
        ctx = fakes.FakeContext(destination=mock.Mock())
        resource = res.Resource('identity.role', 'r1', 'reader', {})
        driver.create(ctx, resource, {'name': 'reader', 'description': None,
                                      'domain': None})
        ctx.destination.identity.create_role.assert_called_once_with(
            name='reader')
        ctx.destination.identity.create_role.reset_mock()
        driver.create(ctx, resource, {'name': 'reader', 'description': '',
                                      'domain': None})
        ctx.destination.identity.create_role.assert_called_once_with(
            name='reader', description='')

    def test_project_and_group_are_created_with_the_value_as_it_is(self):
        # Keystone would give "" to one created without a description:
        # null is sent as null.
        ctx = fakes.FakeContext(destination=mock.Mock())
        attrs = {'name': 'web', 'description': None, 'enabled': True,
                 'domain': 'default', 'parent': None, 'tags': []}
        project_mod.ProjectDriver().create(ctx, None, attrs)
        self.assertIsNone(ctx.destination.identity.create_project.call_args
                          .kwargs['description'])
        group_mod.GroupDriver().create(ctx, None, {
            'name': 'team', 'description': '', 'domain': 'default'})
        self.assertEqual('', ctx.destination.identity.create_group.call_args
                         .kwargs['description'])


class TestDomainRoles(unittest.TestCase):
    """A domain workload takes its domains' own roles, used or not
    (issue 14 item 5); other workloads take only the roles they use."""

    def expand(self, kind):
        roles = [types.SimpleNamespace(id='r-global', name='member',
                                       description=None, domain_id=None),
                 types.SimpleNamespace(id='r-own', name='auditor',
                                       description='', domain_id='d1'),
                 types.SimpleNamespace(id='r-other', name='auditor',
                                       description='', domain_id='d2')]
        ctx = fakes.FakeContext(mock.Mock())
        ctx.source.identity.roles.side_effect = \
            lambda domain_id=None: [r for r in roles
                                    if r.domain_id == domain_id]
        ctx.source.identity.domains.return_value = [
            types.SimpleNamespace(id='d1'), types.SimpleNamespace(id='d2')]
        selection = sel.Selection(sel.Workload(kind, ['dom']))
        selection.scope_domains.add('d1')
        return {r.id for r in role_mod.RoleDriver().expand(
            ctx, selection, graph_mod.ResourceGraph())}

    def test_domain_workload_takes_its_own_roles(self):
        self.assertEqual({'r-own'}, self.expand('domain'))

    def test_project_workload_takes_roles_by_use_only(self):
        self.assertEqual(set(), self.expand('project'))
