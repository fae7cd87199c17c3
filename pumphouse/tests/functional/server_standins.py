"""Minimal image.image and volume.volume drivers for the server tests.

The server driver needs the images and volumes its servers use in the
destination. While the real drivers of those types are still the inert
placeholders (their modules' docstrings say PLACEHOLDER), :func:`patch`
puts these in their place for the engine running in the test process:
the image is copied by streaming its data, a volume is created empty
with the source's size and bootable flag (the fake virt driver reads no
disk). Once the real drivers are there, they are used instead.
"""

import sys

from pumphouse.drivers.resources import base
from pumphouse.drivers.resources import common
from pumphouse.drivers.resources.image import transfer
from pumphouse.engine import registry
from pumphouse.engine import resource as res


def is_placeholder(driver) -> bool:
    module = sys.modules.get(type(driver).__module__)
    return (module.__doc__ or '').startswith('PLACEHOLDER')


class StandInImageDriver(base.ResourceDriver):
    """Images by name and checksum; created by streaming the data."""

    def expand(self, ctx, selection, graph):
        return []

    def fetch(self, ctx, ids):
        found = []
        for image_id in sorted(ids):
            image = common.get_or_none(ctx.source.image.get_image, image_id)
            if image is not None:
                found.append(res.Resource(
                    self.resource_type, image.id, image.name,
                    {'name': image.name, 'checksum': image.checksum,
                     'disk_format': image.disk_format,
                     'container_format': image.container_format,
                     'visibility': image.visibility}))
        return found

    @staticmethod
    def _describe(image) -> dict:
        return {'id': image.id, 'name': image.name,
                'checksum': image.checksum,
                'disk_format': image.disk_format,
                'container_format': image.container_format,
                'visibility': image.visibility}

    def find_destination(self, ctx, resource, attrs):
        for image in ctx.destination.image.images(name=attrs['name']):
            if image.checksum == attrs['checksum'] and \
                    image.status == 'active':
                return self._describe(image)
        return None

    def get_destination(self, ctx, destination_id):
        image = common.get_or_none(ctx.destination.image.get_image,
                                   destination_id)
        return self._describe(image) if image else None

    def create(self, ctx, resource, attrs):
        body = {k: attrs[k] for k in ('name', 'disk_format',
                                      'container_format', 'visibility')}
        image_id = common.check(ctx.destination.image.post(
            '/images', json=body)).json()['id']
        transfer.stream_image(ctx.source,
                              ctx.source.image.get_image(resource.id),
                              ctx.destination, image_id)
        return image_id

    def delete(self, ctx, destination_id):
        ctx.destination.image.delete_image(destination_id,
                                           ignore_missing=True)


class StandInVolumeDriver(base.ResourceDriver):
    """Volumes by name and project; created empty, same size, bootable
    like the source."""

    def expand(self, ctx, selection, graph):
        return []

    def fetch(self, ctx, ids):
        volumes = common.source_list(
            ctx, 'standin-volumes',
            lambda: ctx.source.block_storage.volumes(all_projects=True))
        return [res.Resource(
            self.resource_type, v.id, v.name,
            {'name': v.name, 'size': v.size,
             'bootable': bool(v.is_bootable),
             'project': res.ref('identity.project', v.project_id)})
            for i, v in sorted(volumes.items()) if i in ids]

    @staticmethod
    def _describe(volume) -> dict:
        return {'id': volume.id, 'name': volume.name, 'size': volume.size,
                'bootable': bool(volume.is_bootable),
                'project': volume.project_id}

    def find_destination(self, ctx, resource, attrs):
        if isinstance(attrs['project'], res.Unresolved):
            return None
        for volume in ctx.destination.block_storage.volumes(
                all_projects=True, project_id=attrs['project'],
                name=attrs['name']):
            return self._describe(volume)
        return None

    def get_destination(self, ctx, destination_id):
        volume = common.get_or_none(ctx.destination.block_storage.get_volume,
                                    destination_id)
        return self._describe(volume) if volume else None

    def create(self, ctx, resource, attrs):
        storage = ctx.destination_in(attrs['project']).block_storage
        volume = storage.create_volume(size=attrs['size'],
                                       name=attrs['name'])
        ctx.destination.block_storage.wait_for_status(
            volume, status='available', failures=['error'], wait=120)
        if attrs['bootable']:
            ctx.destination.block_storage.set_volume_bootable_status(
                volume, True)
        return volume.id

    def delete(self, ctx, destination_id):
        ctx.destination.block_storage.delete_volume(destination_id,
                                                    ignore_missing=True)


STANDINS = {'image.image': StandInImageDriver,
            'volume.volume': StandInVolumeDriver}


def with_standins(load_drivers):
    """``load_drivers`` with the stand-ins for placeholder drivers."""
    def load() -> dict:
        drivers = load_drivers()
        for name, cls in STANDINS.items():
            if name in drivers and is_placeholder(drivers[name]):
                driver = cls()
                driver.resource_type = name
                drivers[name] = driver
        return drivers
    return load


def patch(monkeypatch) -> None:
    """Use the stand-ins in the engine of this process (pytest)."""
    monkeypatch.setattr(registry, 'load_drivers',
                        with_standins(registry.load_drivers))
