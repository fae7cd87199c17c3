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

"""The volume.volume and volume.type drivers on fake clouds: what they
take in, how they describe and compare, what they finish."""

import functools
import types
import unittest
from unittest import mock

from pumphouse.drivers.resources.volume import common
from pumphouse.drivers.resources.volume import datapath
from pumphouse.drivers.resources.volume import volume as volume_mod
from pumphouse.drivers.resources.volume import volume_type as type_mod
from pumphouse.engine import graph as graph_mod
from pumphouse.engine import resource as res
from pumphouse.tests.unit.drivers import fakes


def volume(id, project='p1', status='available', attachments=(), **kw):
    values = dict(id=id, name=f'vol-{id}', description=None, size=2,
                  metadata={'k': 'v'}, is_bootable=False,
                  availability_zone='nova', is_multiattach=False,
                  volume_image_metadata=None, volume_type_id=None,
                  volume_type='fast', project_id=project, status=status,
                  attachments=[{'server_id': s} for s in attachments])
    values.update(kw)
    return types.SimpleNamespace(**values)


def vtype(id, name, public=True, **kw):
    values = dict(id=id, name=name, description=None, is_public=public,
                  extra_specs={})
    values.update(kw)
    return types.SimpleNamespace(**values)


def context(volumes=(), servers=(), projects=('p1', 'p2')):
    """An engine context whose source volumes, volume types, servers and
    projects are cached already; its clouds are mocks."""
    return fakes.FakeContext(mock.Mock(), mock.Mock(), cache={
        'source:cinder:volumes': {v.id: v for v in volumes},
        'source:cinder:types': {'t1': vtype('t1', 'fast')},
        'source:servers': {s.id: s for s in servers},
        'source:projects': {p: None for p in projects},
    }, ids={('identity.project', 'p1'): 'dest-p1',
            ('volume.type', 't1'): 'dest-t1'})


select = functools.partial(fakes.select, 'volume.volume', names=('p1',))


class TestVolumeSource(unittest.TestCase):

    def setUp(self):
        self.driver = fakes.driver(volume_mod.VolumeDriver, 'volume.volume')
        self.ctx = context(
            volumes=[volume('v1'), volume('v2', project='p2'),
                     volume('v3', project='gone'),
                     volume('v4', status='in-use', attachments=['s1']),
                     volume('tmp', name=common.temp_name('v4'))],
            servers=[types.SimpleNamespace(id='s1', project_id='p1')])

    def ids(self, selection, graph=None):
        return sorted(r.id for r in self.driver.expand(
            self.ctx, selection, graph or graph_mod.ResourceGraph()))

    def test_tenant_is_the_default_for_projects(self):
        self.assertEqual(['v1', 'v4'], self.ids(select()))

    def test_all_leaves_temporaries_and_deleted_projects(self):
        self.assertEqual(['v1', 'v2', 'v4'], self.ids(select(
            strategy='all')))

    def test_used_takes_the_volumes_of_the_servers(self):
        self.assertEqual(['v4'], self.ids(select(strategy='used')))

    def test_depend_takes_nothing_by_itself(self):
        self.assertEqual([], self.ids(select(strategy='depend')))
        self.assertEqual(['v2'], [r.id for r in self.driver.fetch(
            self.ctx, {'v2', 'missing'})])

    def test_attributes(self):
        made = self.driver.fetch(self.ctx, {'v1'})[0]
        self.assertEqual({
            'name': 'vol-v1', 'description': None, 'size': 2,
            'metadata': {'k': 'v'}, 'bootable': False,
            'availability_zone': 'nova', 'multiattach': False,
            'image_metadata': {},
            'volume_type': res.ref('volume.type', 't1'),
            'project': res.ref('identity.project', 'p1')}, made.attrs)
        self.assertNotIn('skip', made.data)

    def test_volume_in_error_or_encrypted_is_skipped(self):
        made = self.driver.describe_source(
            self.ctx, volume('v9', status='error',
                             metadata={common.SOURCE_KEY: 'old'}))
        self.assertIn('error', made.data['skip'])
        self.assertEqual({}, made.attrs['metadata'])
        made = self.driver.describe_source(
            self.ctx, volume('v8', is_encrypted=True))
        self.assertIn('encrypted', made.data['skip'])

    def test_demand_is_one_volume_and_its_size(self):
        made = self.driver.fetch(self.ctx, {'v1'})[0]
        self.assertEqual({('quota', 'volume', 'p1', 'volumes'): 1,
                          ('quota', 'volume', 'p1', 'gigabytes'): 2},
                         self.driver.demand(self.ctx, made, None))


def destination_volume(**kw):
    values = dict(id='d1', name='vol-v1', volume_type_id='dt1',
                  project_id='dest-p1',
                  metadata={'k': 'v', common.SOURCE_KEY: 'v1'})
    values.update(kw)
    return volume(**values)


class TestVolumeDestination(unittest.TestCase):

    def setUp(self):
        self.driver = fakes.driver(volume_mod.VolumeDriver, 'volume.volume')
        self.ctx = context(volumes=[volume('v1', volume_type_id='t1')])
        self.resource = self.driver.fetch(self.ctx, {'v1'})[0]
        self.attrs = res.translate(
            self.resource.attrs,
            lambda key: {'identity.project': 'dest-p1',
                         'volume.type': 'dt1'}[key[0]])

    def described(self, made):
        self.ctx.destination.block_storage.volumes.return_value = [made]
        return self.driver.find_destination(self.ctx, self.resource,
                                            self.attrs)

    def test_finished_copy_is_equal(self):
        found = self.described(destination_volume())
        self.assertEqual('d1', found['id'])
        self.assertEqual({}, self.driver.compare(self.attrs, found))
        query = self.ctx.destination.block_storage.volumes.call_args.kwargs
        self.assertEqual('{"pumphouse_source_volume": "v1"}',
                         query['properties'])

    def test_empty_name_and_null_name_differ(self):
        """Issue 14: a root volume named "" arrived named null and
        verification took them for equal."""
        self.ctx.cache['source:cinder:volumes']['v2'] = volume(
            'v2', name='', description='', volume_type_id='t1')
        [empty] = self.driver.fetch(self.ctx, {'v2'})
        self.assertEqual(('', ''), (empty.attrs['name'],
                                    empty.attrs['description']))
        attrs = dict(self.attrs, name='', description='')
        nulls = self.described(destination_volume(
            name=None, description=None,
            metadata={'k': 'v', common.SOURCE_KEY: 'v2'}))
        self.assertEqual({
            'name': {'source': '', 'destination': None},
            'description': {'source': '', 'destination': None}},
            self.driver.compare(attrs, nulls))
        # Null in the source and in the destination is equal.
        self.assertEqual({}, self.driver.compare(
            dict(self.attrs, description=None),
            self.described(destination_volume(description=None))))

    def test_unfinished_copy_differs_until_completed(self):
        found = self.described(destination_volume(
            status='downloading', is_bootable=True,
            metadata={'k': 'v', common.SOURCE_KEY: 'v1',
                      common.COPY_KEY: common.COPY_UNFINISHED}))
        differences = self.driver.compare(self.attrs, found)
        self.assertEqual({'bootable', 'copy'}, set(differences))
        self.assertEqual('unfinished (status downloading)',
                         differences['copy']['destination'])
        self.ctx.destination.block_storage.get_volume.return_value = \
            destination_volume(status='downloading')
        with mock.patch.object(datapath, 'finish') as finish:
            self.assertEqual('d1', self.driver.complete(
                self.ctx, self.resource, self.attrs, found, differences))
        finish.assert_called_once_with(self.ctx, 'd1', 'v1', self.attrs)

    def test_other_differences_are_not_completed(self):
        found = self.described(destination_volume(size=5))
        differences = self.driver.compare(self.attrs, found)
        self.assertEqual({'size'}, set(differences))
        self.assertIsNone(self.driver.complete(
            self.ctx, self.resource, self.attrs, found, differences))
        # A finished copy whose flag changed afterwards is no half copy.
        self.assertIsNone(self.driver.complete(
            self.ctx, self.resource, self.attrs, found,
            {'bootable': {}}))

    def test_copy_in_error_is_left_and_reported(self):
        found = {'id': 'd1'}
        self.ctx.destination.block_storage.get_volume.return_value = \
            destination_volume(status='error')
        with mock.patch.object(datapath, 'remove_temporaries') as remove, \
                mock.patch.object(datapath, 'finish') as finish:
            self.assertIsNone(self.driver.complete(
                self.ctx, self.resource, self.attrs, found, {'copy': {}}))
        remove.assert_called_once_with(self.ctx, 'v1', best_effort=True)
        finish.assert_not_called()
        self.assertEqual('ERROR', self.ctx.events[-1].level)

    def test_copy_in_the_wanted_project_is_preferred(self):
        self.ctx.destination.block_storage.volumes.return_value = [
            destination_volume(id='other', project_id='dest-p9'),
            destination_volume()]
        found = self.driver.find_destination(self.ctx, self.resource,
                                             self.attrs)
        self.assertEqual('d1', found['id'])

    def test_type_by_name_below_microversion_3_63(self):
        self.ctx.destination.block_storage.get.return_value = mock.Mock(
            status_code=200, json=lambda: {'volume_types': [
                {'id': 'dt1', 'name': 'fast'}]})
        found = self.described(destination_volume(volume_type_id=None))
        self.assertEqual('dt1', found['volume_type'])

    def test_no_source_type_takes_the_destination_default(self):
        attrs = dict(self.attrs, volume_type=None)
        self.assertEqual({}, self.driver.compare(
            attrs, self.described(destination_volume())))

    def test_reused_unfinished_copy_is_finished_after_planning(self):
        self.ctx.destination.block_storage.get_volume.return_value = \
            destination_volume(metadata={common.COPY_KEY: 'unfinished'})
        with mock.patch.object(datapath, 'finish') as finish:
            self.driver.after_create(self.ctx, self.resource, 'd1', False)
        self.assertEqual('v1', finish.call_args.args[2])
        self.ctx.destination.block_storage.get_volume.return_value = \
            destination_volume()
        with mock.patch.object(datapath, 'finish') as finish:
            self.driver.after_create(self.ctx, self.resource, 'd1', True)
        finish.assert_not_called()


class TestVolumeType(unittest.TestCase):

    def setUp(self):
        self.driver = fakes.driver(type_mod.VolumeTypeDriver, 'volume.type')
        self.ctx = context()
        self.private = vtype('t2', 'gold', public=False,
                             description='Gold', extra_specs={'a': '1'})
        self.ctx.source.block_storage.get_type_access.return_value = [
            {'project_id': 'p1'}, {'project_id': 'deleted'}]

    def test_private_type_with_access_of_existing_projects(self):
        made = self.driver.describe_source(self.ctx, self.private)
        self.assertEqual({
            'name': 'gold', 'description': 'Gold', 'is_public': False,
            'extra_specs': {'a': '1'},
            'access': [res.ref('identity.project', 'p1')]}, made.attrs)

    def test_depend_by_default_all_on_request(self):
        graph = graph_mod.ResourceGraph()
        self.assertEqual([], self.driver.expand(self.ctx, select(), graph))
        chosen = select()
        chosen.strategies = {'volume.type': 'all'}
        self.assertEqual(['t1'], [r.id for r in self.driver.expand(
            self.ctx, chosen, graph)])

    def test_create_with_access_and_undo_on_failure(self):
        block_storage = self.ctx.destination.block_storage
        block_storage.create_type.return_value = vtype('dt2', 'gold')
        attrs = {'name': 'gold', 'description': 'Gold', 'is_public': False,
                 'extra_specs': {'a': '1'}, 'access': ['dp1']}
        self.assertEqual('dt2', self.driver.create(self.ctx, None, attrs))
        block_storage.create_type.assert_called_once_with(
            name='gold', is_public=False, description='Gold',
            extra_specs={'a': '1'})
        block_storage.add_type_access.assert_called_once_with(
            block_storage.create_type.return_value, 'dp1')
        block_storage.add_type_access.side_effect = RuntimeError('403')
        with self.assertRaises(RuntimeError):
            self.driver.create(self.ctx, None, attrs)
        block_storage.delete_type.assert_called_once_with(
            'dt2', ignore_missing=True)

    def test_empty_description_is_kept(self):
        block_storage = self.ctx.destination.block_storage
        block_storage.create_type.return_value = vtype('dt2', 'gold')
        attrs = {'name': 'gold', 'description': '', 'is_public': True,
                 'extra_specs': {}, 'access': []}
        self.driver.create(self.ctx, None, attrs)
        block_storage.create_type.assert_called_once_with(
            name='gold', is_public=True, description='')
        made = self.driver.describe_source(self.ctx, vtype('t3', 'x'))
        self.assertIsNone(made.attrs['description'])
        self.assertEqual({'description': {'source': '',
                                          'destination': None}},
                         self.driver.compare(
                             {'description': ''}, {'description': None}))

    def test_complete_adds_missing_specs_and_access(self):
        block_storage = self.ctx.destination.block_storage
        attrs = {'name': 'gold', 'description': '', 'is_public': False,
                 'extra_specs': {'a': '1', 'b': '2'},
                 'access': ['dp1', 'dp2']}
        existing = {'id': 'dt2', 'extra_specs': {'a': '1'},
                    'access': ['dp1']}
        self.assertEqual('dt2', self.driver.complete(
            self.ctx, None, attrs, existing,
            {'extra_specs': {}, 'access': {}}))
        block_storage.update_type_extra_specs.assert_called_once_with(
            'dt2', b='2')
        block_storage.add_type_access.assert_called_once_with('dt2', 'dp2')
        # Specs the source lacks, or another description: a conflict.
        self.assertIsNone(self.driver.complete(
            self.ctx, None, attrs, dict(existing, extra_specs={'z': '9'}),
            {'extra_specs': {}}))
        self.assertIsNone(self.driver.complete(
            self.ctx, None, attrs, existing, {'description': {}}))
