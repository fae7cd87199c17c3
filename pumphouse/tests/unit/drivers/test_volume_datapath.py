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

"""The volume data path against fake clouds: what an interrupted attempt
left is reused or removed, never duplicated."""

import itertools
import types
import unittest
from unittest import mock

from keystoneauth1 import exceptions as ksa_exc
from openstack import exceptions as sdk_exc

from pumphouse.drivers.resources import scoped
from pumphouse.drivers.resources.volume import common
from pumphouse.drivers.resources.volume import datapath
from pumphouse.tests.unit.drivers import fakes

NAME = common.temp_name('s1')


def obj(**values):
    return types.SimpleNamespace(**values)


def image(id, status='active', owner='p1', checksum='c1', hash_value='h1',
          **props):
    properties = {datapath.EXPECTED_CHECKSUM: 'c1',
                  datapath.EXPECTED_HASH: 'h1'}
    properties.update(props)
    return obj(id=id, name=NAME, status=status, owner=owner,
               checksum=checksum, hash_value=hash_value,
               properties=properties, disk_format='raw',
               container_format='bare', size=1024)


def volume(id, status='available', name=NAME, **kw):
    values = dict(id=id, name=name, status=status, size=1,
                  availability_zone='nova', metadata={},
                  is_bootable=False, volume_image_metadata=None)
    values.update(kw)
    return obj(**values)


class FakeCloud:
    """The calls the data path makes, on lists the test sets."""

    def __init__(self) -> None:
        self.images = []
        self.volumes = []
        self.image = mock.Mock()
        self.image.images.side_effect = lambda name: [
            i for i in self.images if i.name == name]
        self.block_storage = mock.Mock()
        self.block_storage.volumes.side_effect = self._volumes

    def _volumes(self, all_projects, name=None, properties=None):
        if name is not None:
            return [v for v in self.volumes if v.name == name]
        return [v for v in self.volumes
                if common.SOURCE_KEY in (v.metadata or {})]

    def deleted_images(self):
        return [c.args[0].id for c in self.image.delete_image.call_args_list]

    def deleted_volumes(self):
        return [c.args[0].id
                for c in self.block_storage.delete_volume.call_args_list]


def context() -> fakes.FakeContext:
    """A context between two fake clouds whose project access
    (:func:`scoped.access`) is a :class:`fakes.FakeProjectAccess`."""
    return fakes.FakeContext(
        FakeCloud(), FakeCloud(),
        borrowed={scoped.BORROWED: fakes.FakeProjectAccess()})


def no_waiting(test):
    """Statuses are final at once: waits return the object as listed."""
    for target, fetch in (
            ('wait_volume', lambda conn, vid, *a: conn.current.get(vid)),
            ('wait_image_active', lambda conn, iid, *a: obj(
                id=iid, status='active'))):
        patcher = mock.patch.object(common, target, side_effect=fetch)
        patcher.start()
        test.addCleanup(patcher.stop)


class TestDestinationImage(unittest.TestCase):

    def test_complete_copy(self):
        self.assertTrue(datapath.is_complete_copy(image('i1'), 'p1'))
        for wrong in (image('i1', status='queued'),
                      image('i1', owner='p2'),
                      image('i1', checksum='c2'),
                      image('i1', hash_value='h2'),
                      image('i1', checksum=None,
                            **{datapath.EXPECTED_CHECKSUM: None})):
            self.assertFalse(datapath.is_complete_copy(wrong, 'p1'), wrong)

    def test_keeps_one_complete_image_and_removes_the_rest(self):
        ctx = context()
        ctx.destination.images = [
            image('half', status='queued'), image('good'), image('dup'),
            image('theirs', owner='p2')]
        kept = datapath.reusable_destination_image(ctx, 's1', 'p1')
        self.assertEqual('good', kept.id)
        self.assertEqual(['half', 'dup', 'theirs'],
                         ctx.destination.deleted_images())

    def test_nothing_to_reuse(self):
        ctx = context()
        self.assertIsNone(datapath.reusable_destination_image(ctx, 's1',
                                                              'p1'))

    def test_stream_failure_removes_the_new_image(self):
        ctx = context()
        ctx.destination.image.post.return_value = mock.Mock(
            status_code=201, json=lambda: {'id': 'new'})
        with mock.patch.object(datapath.transfer, 'stream_image',
                               side_effect=OSError('broken pipe')), \
                mock.patch.object(datapath.helpers, 'check',
                                  side_effect=lambda r: r):
            with self.assertRaises(OSError):
                datapath.stream_to_destination(ctx, 's1', image('src'),
                                               'p1')
        body = ctx.destination.image.post.call_args.kwargs['json']
        self.assertEqual((NAME, 'p1', 'private', 'c1', 'h1', 's1'), (
            body['name'], body['owner'], body['visibility'],
            body[datapath.EXPECTED_CHECKSUM], body[datapath.EXPECTED_HASH],
            body[common.SOURCE_KEY]))
        ctx.destination.image.delete_image.assert_called_once_with(
            'new', ignore_missing=True)

    def test_streamed_bytes_are_the_volume_items_progress(self):
        ctx = context()
        ctx.destination.image.post.return_value = mock.Mock(
            status_code=201, json=lambda: {'id': 'new'})

        def stream(source, source_image, destination, image_id, chunk_size,
                   progress):
            for done in (0, 512, 1024):
                progress(done, False)
            progress(1024, True)
            return obj(size=1024, checksum='c1')

        with mock.patch.object(datapath.transfer, 'stream_image',
                               side_effect=stream), \
                mock.patch.object(datapath.helpers, 'check',
                                  side_effect=lambda r: r), \
                mock.patch.object(common, 'wait_image_active'):
            datapath.stream_to_destination(ctx, 's1', image('src'), 'p1')
        key = ('volume.volume', 's1')
        self.assertEqual([(key, 0, 1024, False), (key, 512, 1024, False),
                          (key, 1024, 1024, False), (key, 1024, 1024, True)],
                         ctx.progressed)


class TestSourceImage(unittest.TestCase):

    def setUp(self):
        self.ctx = context()
        self.source = self.ctx.source
        self.source.current = {}
        no_waiting(self)

    def test_active_image_is_reused_dead_ones_removed(self):
        self.source.images = [image('dead', status='killed'),
                              image('done')]
        self.source.block_storage.get_volume.return_value = volume(
            's1', name='data')
        kept = datapath.settled_source_image(self.ctx, volume('s1'))
        self.assertEqual('done', kept.id)
        self.assertEqual(['dead'], self.source.deleted_images())

    def test_pending_image_without_upload_is_removed(self):
        self.source.images = [image('stale', status='saving')]
        self.source.block_storage.get_volume.return_value = volume(
            's1', name='data')
        self.assertIsNone(datapath.settled_source_image(self.ctx,
                                                        volume('s1')))
        self.assertEqual(['stale'], self.source.deleted_images())

    def test_upload_still_running_is_waited_for(self):
        self.source.images = [image('saving', status='saving')]
        statuses = itertools.chain(['uploading', 'uploading'],
                                   itertools.repeat('available'))

        def get_volume(volume_id):
            status = next(statuses)
            if status == 'available':
                self.source.images = [image('saving')]  # now active
            return volume('s1', name='data', status=status)

        self.source.block_storage.get_volume.side_effect = get_volume
        with mock.patch.object(common.time, 'sleep'):
            kept = datapath.settled_source_image(self.ctx, volume('s1'))
        self.assertEqual('saving', kept.id)
        self.assertEqual([], self.source.deleted_images())

    def test_detached_volume_is_uploaded_itself(self):
        detached = volume('s1', name='data')
        self.assertIs(detached, datapath.uploadable(self.ctx, detached))
        self.source.block_storage.create_volume.assert_not_called()

    def test_attached_volume_is_cloned(self):
        attached = volume('s1', name='data', status='in-use', size=3)
        self.source.block_storage.create_volume.return_value = volume('c1')
        self.source.current = {'c1': volume('c1')}
        self.assertEqual('c1', datapath.uploadable(self.ctx, attached).id)
        kwargs = self.source.block_storage.create_volume.call_args.kwargs
        self.assertEqual((NAME, 3, 's1', {common.SOURCE_KEY: 's1'}), (
            kwargs['name'], kwargs['size'], kwargs['source_volume_id'],
            kwargs['metadata']))

    def test_earlier_clone_is_reused_broken_one_removed(self):
        attached = volume('s1', name='data', status='in-use')
        self.source.volumes = [volume('broken', status='error'),
                               volume('good', status='creating')]
        self.source.current = {'good': volume('good')}
        self.assertEqual('good', datapath.clone(self.ctx, attached).id)
        self.source.block_storage.create_volume.assert_not_called()
        self.assertEqual(['broken'], self.source.deleted_volumes())


class TestDestinationVolume(unittest.TestCase):

    def attrs(self, **kw):
        values = {'name': 'data', 'description': '', 'size': 2,
                  'metadata': {'a': 'b'}, 'bootable': False,
                  'availability_zone': 'nova', 'volume_type': 't9',
                  'project': 'p1', 'multiattach': False,
                  'image_metadata': {}}
        values.update(kw)
        return values

    def test_created_by_the_project_and_marked_unfinished(self):
        ctx = context()
        datapath.create_volume(ctx, 's1', self.attrs(), 'i1')
        access = scoped.access(ctx)
        self.assertEqual('p1', access.scoped_to)
        access.scoped.block_storage.create_volume.assert_called_once_with(
            size=2, name='data', description='',
            metadata={'a': 'b', common.SOURCE_KEY: 's1',
                      common.COPY_KEY: common.COPY_UNFINISHED},
            image_id='i1', availability_zone='nova', volume_type='t9')

    def test_empty_name_stays_empty_and_none_stays_none(self):
        """Issue 14: a volume named "" was created with name null."""
        ctx = context()
        create = scoped.access(ctx).scoped.block_storage.create_volume
        datapath.create_volume(ctx, 's1', self.attrs(name='',
                                                     description=None),
                               'i1')
        kwargs = create.call_args.kwargs
        self.assertEqual(('', None), (kwargs['name'],
                                      kwargs['description']))
        datapath.create_volume(ctx, 's1', self.attrs(name=None), 'i1')
        kwargs = create.call_args.kwargs
        self.assertIsNone(kwargs['name'])

    def test_image_metadata_is_aligned(self):
        conn = mock.Mock()
        conn.block_storage.post.return_value = mock.Mock(status_code=200)
        made = volume('d1', volume_image_metadata={
            'image_id': 'tmp', 'image_name': NAME, 'os_distro': 'x'})
        datapath.align_image_metadata(conn, made, {'image_id': 'orig',
                                                   'os_distro': 'x'})
        self.assertEqual([
            mock.call('/volumes/d1/action', json={
                'os-set_image_metadata': {'metadata': {
                    'image_id': 'orig'}}}),
            mock.call('/volumes/d1/action', json={
                'os-unset_image_metadata': {'key': 'image_name'}})],
            conn.block_storage.post.call_args_list)

    def test_finish_sets_bootable_removes_temporaries_then_the_mark(self):
        ctx = context()
        ctx.destination.current = {'d1': volume('d1', name='data',
                                                is_bootable=True)}
        ctx.destination.images = [image('left')]
        ctx.source.images = [image('src')]
        no_waiting(self)
        with mock.patch.object(datapath.helpers, 'exists') as exists:
            datapath.finish(ctx, 'd1', 's1', self.attrs())
        ctx.destination.block_storage.set_volume_bootable_status\
            .assert_called_once_with(ctx.destination.current['d1'], False)
        self.assertEqual(['left'], ctx.destination.deleted_images())
        self.assertEqual(['src'], ctx.source.deleted_images())
        ctx.destination.block_storage.delete.assert_called_once_with(
            f'/volumes/d1/metadata/{common.COPY_KEY}')
        exists.assert_called_once()


class TestAfterFailure(unittest.TestCase):

    def test_a_copy_in_progress_is_left_for_the_resume(self):
        ctx = context()
        ctx.destination.volumes = [volume(
            'd1', name='data', status='downloading',
            metadata={common.SOURCE_KEY: 's1'})]
        ctx.destination.images = [image('i1')]
        datapath.after_failure(ctx, 's1', 'd1')
        self.assertEqual([], ctx.destination.deleted_volumes())
        self.assertEqual([], ctx.destination.deleted_images())

    def test_a_failed_copy_is_removed_with_its_temporaries(self):
        ctx = context()
        ctx.destination.volumes = [volume(
            'd1', name='data', status='error',
            metadata={common.SOURCE_KEY: 's1'})]
        ctx.destination.images = [image('i1')]
        ctx.source.images = [image('i0')]
        ctx.source.volumes = [volume('clone', status='uploading')]
        ctx.source.block_storage.delete_volume.side_effect = \
            RuntimeError('busy')
        datapath.after_failure(ctx, 's1', 'd1')
        self.assertEqual(['d1'], ctx.destination.deleted_volumes())
        self.assertEqual(['i1'], ctx.destination.deleted_images())
        self.assertEqual(['i0'], ctx.source.deleted_images())
        # What cannot go yet is reported, not raised.
        self.assertEqual('WARNING', ctx.events[-1].level)


class TestCopyVolume(unittest.TestCase):

    def test_a_complete_destination_image_skips_the_source(self):
        ctx = context()
        made = volume('d1', name='data')
        with mock.patch.object(datapath, 'reusable_destination_image',
                               return_value=image('ready')), \
                mock.patch.object(datapath, 'prepare_source_image') as src, \
                mock.patch.object(datapath, 'remove_source_temporaries'), \
                mock.patch.object(datapath, 'create_volume',
                                  return_value=made) as create, \
                mock.patch.object(datapath, 'finish') as finish:
            self.assertEqual('d1', datapath.copy_volume(
                ctx, 's1', {'project': 'p1'}))
        src.assert_not_called()
        self.assertEqual('ready', create.call_args.args[3])
        finish.assert_called_once_with(ctx, 'd1', 's1', {'project': 'p1'})
        # Its data was streamed whole by an earlier attempt.
        self.assertEqual([(('volume.volume', 's1'), 1024, 1024, True)],
                         ctx.progressed)


class TestCopyVolumeFails(unittest.TestCase):
    """A copy that fails is cleaned up, unless the engine tries again
    after a transient fault: then what it made is left for the next
    attempt, as after a crash."""

    def _fail(self, retrying, error):
        ctx = context()
        ctx._retrying = retrying
        with mock.patch.object(datapath, 'reusable_destination_image',
                               return_value=image('ready')), \
                mock.patch.object(datapath, 'remove_source_temporaries'), \
                mock.patch.object(datapath, 'create_volume',
                                  side_effect=error), \
                mock.patch.object(datapath, 'after_failure') as after:
            self.assertRaises(type(error), datapath.copy_volume, ctx, 's1',
                              {'project': 'p1'})
        return after

    def test_left_for_the_next_attempt(self):
        after = self._fail(True, ksa_exc.ConnectFailure('reset'))
        after.assert_not_called()

    def test_cleaned_up_when_it_fails_for_good(self):
        after = self._fail(False, ksa_exc.ConnectFailure('reset'))
        after.assert_called_once()


class TestRemoveCopy(unittest.TestCase):
    """The copy of a volume of a server that runs again in the source."""

    def setUp(self):
        self.ctx = context()
        self.ctx.destination.images = [image('i1')]
        patcher = mock.patch.object(common.time, 'sleep')
        patcher.start()
        self.addCleanup(patcher.stop)

    def states(self, *found):
        """``get_volume`` answers ``found`` in turn (None: gone)."""
        answers = iter(found)

        def get_volume(volume_id):
            answer = next(answers)
            if answer is None:
                raise sdk_exc.NotFoundException(volume_id)
            return answer

        self.ctx.destination.block_storage.get_volume.side_effect = \
            get_volume

    def servers(self, **found):
        def get_server(server_id):
            if server_id not in found:
                raise sdk_exc.NotFoundException(server_id)
            return obj(id=server_id, status=found[server_id],
                       task_state=None)

        self.ctx.destination.compute = mock.Mock()
        self.ctx.destination.compute.get_server.side_effect = get_server

    def test_waits_for_the_detach_deletes_and_waits_until_gone(self):
        # Its server copy was just deleted: Nova detaches the volume.
        self.servers()
        self.states(volume('d1', status='detaching',
                           attachments=[{'server_id': 'c1'}]),
                    volume('d1', status='available', attachments=[]),
                    volume('d1', status='deleting', attachments=[]),
                    None)
        datapath.remove_copy(self.ctx, 's1', 'd1')
        self.assertEqual(['d1'], self.ctx.destination.deleted_volumes())
        # Then the temporaries of its copy.
        self.assertEqual(['i1'], self.ctx.destination.deleted_images())

    def test_a_copy_attached_to_a_server_that_stays_is_kept(self):
        self.servers(c1='ACTIVE')
        self.states(volume('d1', status='in-use',
                           attachments=[{'server_id': 'c1'}]))
        with self.assertRaises(datapath.CopyInUse) as raised:
            datapath.remove_copy(self.ctx, 's1', 'd1')
        self.assertIn('attached to server(s) c1', str(raised.exception))
        self.assertEqual([], self.ctx.destination.deleted_volumes())
        self.assertEqual([], self.ctx.destination.deleted_images())

    def test_a_copy_already_gone_is_not_an_error(self):
        self.states(None)
        datapath.remove_copy(self.ctx, 's1', 'd1')
        self.assertEqual([], self.ctx.destination.deleted_volumes())
        self.assertEqual(['i1'], self.ctx.destination.deleted_images())

    def test_a_delete_cinder_fails_is_raised(self):
        self.states(volume('d1', attachments=[]),
                    volume('d1', status='error_deleting', attachments=[]))
        with self.assertRaises(sdk_exc.ResourceFailure):
            datapath.remove_copy(self.ctx, 's1', 'd1')
        self.assertEqual(['d1'], self.ctx.destination.deleted_volumes())
