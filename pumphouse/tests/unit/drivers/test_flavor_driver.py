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

"""compute.flavor on a fake Nova: what a project workload takes in (its
servers' flavors and the private flavors it may use), how access to
projects outside the migration is left out, and what a reused private
flavor gets (issue 14)."""

import functools
import types
import unittest
from unittest import mock

from openstack import exceptions as sdk_exc

from pumphouse.drivers.resources.compute import flavor as flavor_mod
from pumphouse.engine import graph as graph_mod
from pumphouse.engine import planner
from pumphouse.engine import resource as res
from pumphouse.tests.unit.drivers import fakes


def flavor(id, public=True, **kw):
    values = dict(id=id, name=f'm1.{id}', description=None, vcpus=1,
                  ram=64, disk=1, ephemeral=0, swap=0, rxtx_factor=1.0,
                  is_public=public, extra_specs={})
    values.update(kw)
    return types.SimpleNamespace(**values)


def server(id, flavor_id, project='p1'):
    return types.SimpleNamespace(
        id=id, project_id=project,
        flavor=types.SimpleNamespace(original_name=None, id=flavor_id))


def project(id):
    return types.SimpleNamespace(id=id, name=f'proj-{id}', is_domain=False)


def context(flavors, servers, access, projects=('p1', 'p2', 'p3'), **kw):
    """An engine context over a fake source Nova and Keystone (the
    openstacksdk proxies are the boundary); ``kw`` as
    :class:`fakes.FakeContext` takes them."""
    source = mock.Mock()
    source.compute.flavors.return_value = flavors
    source.compute.servers.return_value = servers
    source.compute.get_flavor_access.side_effect = \
        lambda flavor_id: [{'tenant_id': p}
                           for p in access.get(flavor_id, [])]
    source.identity.projects.return_value = [project(p) for p in projects]
    return fakes.FakeContext(source, mock.Mock(), **kw)


def project_ids(*source_ids):
    """The destination ids of migrated projects: ``dest-`` and theirs."""
    return {('identity.project', p): f'dest-{p}' for p in source_ids}


driver = functools.partial(fakes.driver, flavor_mod.FlavorDriver,
                           'compute.flavor')
select = functools.partial(fakes.select, 'compute.flavor')


class TestWhatAWorkloadTakes(unittest.TestCase):

    def setUp(self):
        self.driver = driver()
        self.ctx = context(
            flavors=[flavor('used'), flavor('unused'),
                     flavor('mine', public=False),
                     flavor('shared', public=False),
                     flavor('theirs', public=False),
                     flavor('gone', public=False)],
            servers=[server('s1', 'used'), server('s2', 'theirs', 'p2')],
            access={'mine': ['p1'], 'shared': ['p1', 'p2'],
                    'theirs': ['p2'], 'gone': ['deleted-project']})

    def ids(self, selection):
        return sorted(r.id for r in self.driver.expand(
            self.ctx, selection, graph_mod.ResourceGraph()))

    def test_tenant_is_the_default_of_project_and_domain_workloads(self):
        for kind in ('project', 'domain'):
            self.assertEqual('tenant', select(kind).strategy(self.driver))
        self.assertEqual(['mine', 'shared', 'used'], self.ids(select()))

    def test_used_takes_only_the_servers_flavors(self):
        self.assertEqual(['used'], self.ids(select(strategy='used')))

    def test_validation_accepts_the_strategies(self):
        drivers = {'compute.flavor': self.driver}
        for strategy in ('tenant', 'used', 'public', 'all', 'depend'):
            select(strategy=strategy).validate(drivers)

    def test_no_projects_in_scope_take_no_private_flavor(self):
        self.assertEqual([], self.ids(select(scope=())))

    def test_access_names_projects_by_optional_references(self):
        [shared] = self.driver.fetch(self.ctx, {'shared'})
        self.assertEqual(
            [res.optional_ref('identity.project', 'p1', 'proj-p1'),
             res.optional_ref('identity.project', 'p2', 'proj-p2')],
            shared.attrs['access'])
        # They pull no project into the workload.
        self.assertEqual([], shared.requires)
        [gone] = self.driver.fetch(self.ctx, {'gone'})
        self.assertEqual([], gone.attrs['access'])

    def test_access_is_read_once_per_flavor(self):
        self.ids(select())
        self.ids(select())
        self.driver.fetch(self.ctx, {'mine', 'shared'})
        asked = [c.args[0] for c in
                 self.ctx.source.compute.get_flavor_access.call_args_list]
        self.assertEqual(sorted(set(asked)), sorted(asked))


class TestDeletedWhileRead(unittest.TestCase):
    """A private flavor deleted between the list and the read of its
    access (the source is in use while it is planned) is a flavor with no
    access: planning goes on (seen when another migration's test deleted
    its flavor meanwhile)."""

    def test_planning_goes_on_without_it(self):
        drv = driver()
        ctx = context(flavors=[flavor('mine', public=False),
                               flavor('deleted', public=False)],
                      servers=[], access={'mine': ['p1']})
        answer = ctx.source.compute.get_flavor_access.side_effect

        def access(flavor_id):
            if flavor_id == 'deleted':
                raise sdk_exc.NotFoundException(
                    f'Flavor {flavor_id} could not be found.')
            return answer(flavor_id)

        ctx.source.compute.get_flavor_access.side_effect = access
        taken = drv.expand(ctx, select(), graph_mod.ResourceGraph())
        self.assertEqual(['mine'], sorted(r.id for r in taken))

    def test_other_errors_still_fail(self):
        drv = driver()
        ctx = context(flavors=[flavor('mine', public=False)], servers=[],
                      access={})
        ctx.source.compute.get_flavor_access.side_effect = \
            sdk_exc.HttpException('busy', http_status=503)
        self.assertRaises(sdk_exc.HttpException, drv.expand, ctx, select(),
                          graph_mod.ResourceGraph())


class TestAccessOutsideTheMigration(unittest.TestCase):

    def setUp(self):
        self.driver = driver()
        self.ctx = self.context()
        [self.shared] = self.driver.fetch(self.ctx, {'shared'})
        self.graph = graph_mod.ResourceGraph()
        self.graph.add(self.shared)
        self.graph.add(res.Resource('identity.project', 'p1', 'proj-p1',
                                    {}))

    def context(self, **kw):
        return context(flavors=[flavor('shared', public=False)], servers=[],
                       access={'shared': ['p1', 'p2', 'p3']},
                       ids=project_ids('p1'), **kw)

    def test_left_out_with_a_warning_naming_flavor_and_projects(self):
        # p3 was migrated by an earlier migration.
        self.ctx = self.context(mappings=project_ids('p3'))
        settled, note = planner.settle(self.ctx, self.shared, self.graph)
        self.assertEqual(
            [res.optional_ref('identity.project', 'p1', 'proj-p1'),
             res.optional_ref('identity.project', 'p3', 'proj-p3')],
            settled.attrs['access'])
        self.assertIn('project proj-p2 (p2)', note)
        self.assertNotIn('p1', note)
        [event] = self.ctx.events
        self.assertEqual('WARNING', event.level)
        self.assertIn('compute.flavor m1.shared', event.message)
        self.assertIn('access: left out project proj-p2 (p2)', event.message)

    def test_destination_with_the_migrated_projects_is_no_difference(self):
        settled, _note = planner.settle(self.ctx, self.shared, self.graph)
        attrs = self.ctx.translate(settled.attrs)
        destination = dict(flavor_mod._fields(flavor('shared',
                                                     public=False)),
                           id='d1', access=['dest-p1'])
        self.assertEqual({}, self.driver.compare(attrs, destination))


class TestDestination(unittest.TestCase):

    def setUp(self):
        self.driver = driver()
        self.ctx = context(flavors=[], servers=[], access={},
                           ids=project_ids('p1', 'p2'))
        self.compute = self.ctx.destination.compute
        self.resource = res.Resource('compute.flavor', 'f1', 'm1.f1', dict(
            flavor_mod._fields(flavor('f1', public=False)),
            access=[res.optional_ref('identity.project', 'p1'),
                    res.optional_ref('identity.project', 'p2')]))

    def test_reused_private_flavor_gets_the_access_it_lacks(self):
        self.compute.get_flavor.return_value = flavor('d1', public=False)
        self.compute.get_flavor_access.return_value = [
            {'tenant_id': 'dest-p1'}]
        self.driver.after_create(self.ctx, self.resource, 'd1', False)
        self.compute.flavor_add_tenant_access.assert_called_once_with(
            'd1', 'dest-p2')

    def test_created_or_public_flavors_are_left_alone(self):
        self.driver.after_create(self.ctx, self.resource, 'd1', True)
        self.compute.get_flavor.return_value = flavor('d1')
        self.driver.after_create(self.ctx, self.resource, 'd1', False)
        self.compute.flavor_add_tenant_access.assert_not_called()

    def test_empty_description_is_created_as_empty(self):
        # The source id is free in the destination.
        self.compute.get_flavor.side_effect = sdk_exc.NotFoundException()
        self.compute.create_flavor.return_value = flavor('d1')
        attrs = dict(flavor_mod._fields(flavor('f1', description='')),
                     access=[])
        self.driver.create(self.ctx, self.resource, attrs)
        self.assertEqual(
            '', self.compute.create_flavor.call_args.kwargs['description'])
        attrs['description'] = None
        self.driver.create(self.ctx, self.resource, attrs)
        self.assertNotIn('description',
                         self.compute.create_flavor.call_args.kwargs)
