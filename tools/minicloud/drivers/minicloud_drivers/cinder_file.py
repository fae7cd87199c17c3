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

"""A Cinder volume driver that keeps each volume as a sparse file.

Test-only. Volumes carry real bytes: creating a volume from an image
writes the image's bytes into the file, uploading a volume to an image
sends the file's bytes to Glance, snapshots and clones copy the file.
No qemu-img, no sudo, no iSCSI: only ``raw`` images are supported.

A volume of N GiB is backed by ``N * minicloud_bytes_per_gib`` bytes
(default 1 MiB per GiB) so that transfers in tests stay small; set the
option to 1073741824 for full-size files. The file grows if an image
larger than that is written into it.

Configure a backend section with::

    volume_driver = minicloud_drivers.cinder_file.FileVolumeDriver
    minicloud_volumes_dir = /path/to/dir
"""

import os
import shutil

from cinder import exception
from cinder.volume import driver
from oslo_config import cfg
from oslo_log import log as logging

from minicloud_drivers import content

LOG = logging.getLogger(__name__)

OPTS = [
    cfg.StrOpt("minicloud_volumes_dir", help="Directory of volume files."),
    cfg.IntOpt("minicloud_bytes_per_gib",
               default=content.VOLUME_BYTES_PER_GIB, min=1,
               help="Bytes of backing file per GiB of volume size."),
    cfg.IntOpt("minicloud_capacity_gb", default=1000,
               help="Capacity reported to the scheduler."),
]
_CHUNK = 1024 * 1024


class FileVolumeDriver(driver.VolumeDriver):
    """Volumes, snapshots and image transfers on plain sparse files."""

    VERSION = "1.0.0"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.configuration.append_config_values(OPTS)
        self._dir = self.configuration.minicloud_volumes_dir

    # Paths and sizes ---------------------------------------------------

    def _path(self, obj) -> str:
        """File of a volume or snapshot (both have ``name``)."""
        return os.path.join(self._dir, obj["name"])

    def _nominal_bytes(self, size_gb: int) -> int:
        return int(size_gb) * self.configuration.minicloud_bytes_per_gib

    def _make_sparse(self, path: str, size: int) -> None:
        with open(path, "ab") as f:
            if f.tell() < size:
                f.truncate(size)

    # Set-up and stats ----------------------------------------------------

    def do_setup(self, context) -> None:
        """Create the volumes directory."""
        os.makedirs(self._dir, exist_ok=True)

    def check_for_setup_error(self) -> None:
        """The volumes directory must be writable."""
        if not os.access(self._dir, os.W_OK):
            raise exception.VolumeBackendAPIException(
                data=f"{self._dir} is not writable")

    def _update_volume_stats(self) -> None:
        capacity = self.configuration.minicloud_capacity_gb
        name = self.configuration.safe_get("volume_backend_name") or "file"
        self._stats = {
            "volume_backend_name": name,
            "vendor_name": "minicloud",
            "driver_version": self.VERSION,
            "storage_protocol": "local",
            "total_capacity_gb": capacity,
            "free_capacity_gb": capacity,
            "reserved_percentage": 0,
            "thin_provisioning_support": True,
            "multiattach": False,
            "QoS_support": False,
        }

    # Volumes and snapshots ---------------------------------------------

    def create_volume(self, volume) -> dict:
        """A new sparse file of the volume's nominal size (all zeros)."""
        path = self._path(volume)
        self._make_sparse(path, self._nominal_bytes(volume["size"]))
        return {"provider_location": path}

    def delete_volume(self, volume) -> None:
        """Remove the volume's file."""
        try:
            os.unlink(self._path(volume))
        except FileNotFoundError:
            pass

    def extend_volume(self, volume, new_size) -> None:
        """Grow the file (sparse)."""
        self._make_sparse(self._path(volume), self._nominal_bytes(new_size))

    def create_snapshot(self, snapshot) -> None:
        """Copy the volume's file."""
        shutil.copyfile(self._path(snapshot.volume), self._path(snapshot))

    def delete_snapshot(self, snapshot) -> None:
        """Remove the snapshot's file."""
        try:
            os.unlink(self._path(snapshot))
        except FileNotFoundError:
            pass

    def create_volume_from_snapshot(self, volume, snapshot) -> dict:
        """Copy the snapshot's file, then grow to the volume's size."""
        path = self._path(volume)
        shutil.copyfile(self._path(snapshot), path)
        self._make_sparse(path, self._nominal_bytes(volume["size"]))
        return {"provider_location": path}

    def create_cloned_volume(self, volume, src_vref) -> dict:
        """Copy the source volume's file, then grow to the new size."""
        path = self._path(volume)
        shutil.copyfile(self._path(src_vref), path)
        self._make_sparse(path, self._nominal_bytes(volume["size"]))
        return {"provider_location": path}

    # Images --------------------------------------------------------------

    def clone_image(self, context, volume, image_location, image_meta,
                    image_service):
        """Write the image's bytes into the volume (no qemu-img needed)."""
        self._write_image(context, volume, image_service, image_meta["id"])
        return {"provider_location": self._path(volume)}, True

    def copy_image_to_volume(self, context, volume, image_service, image_id,
                             disable_sparse=False) -> None:
        """Write the image's bytes into the volume."""
        self._write_image(context, volume, image_service, image_id)

    def _write_image(self, context, volume, image_service,
                     image_id: str) -> None:
        meta = image_service.show(context, image_id)
        if meta.get("disk_format") not in ("raw", None):
            raise exception.ImageUnacceptable(
                image_id=image_id,
                reason="the minicloud file driver only takes raw images")
        path = self._path(volume)
        with open(path, "wb") as out:
            image_service.download(context, image_id, out)
        self._make_sparse(path, self._nominal_bytes(volume["size"]))
        LOG.info("wrote image %s into volume %s", image_id, volume["id"])

    def copy_volume_to_image(self, context, volume, image_service,
                             image_meta) -> None:
        """Upload the volume file's bytes as a ``raw`` image."""
        if image_meta.get("disk_format") != "raw":
            raise exception.ImageUnacceptable(
                image_id=image_meta["id"],
                reason="the minicloud file driver only uploads raw images")
        with open(self._path(volume), "rb") as data:
            image_service.update(context, image_meta["id"], {}, data)
        LOG.info("uploaded volume %s to image %s", volume["id"],
                 image_meta["id"])

    # Exports and connections -------------------------------------------

    def create_export(self, context, volume, connector) -> None:
        """Nothing to export: the file is local."""

    def ensure_export(self, context, volume) -> None:
        """Nothing to export: the file is local."""

    def remove_export(self, context, volume) -> None:
        """Nothing to export: the file is local."""

    def initialize_connection(self, volume, connector) -> dict:
        """A ``local`` connection naming the volume's file."""
        return {
            "driver_volume_type": "local",
            "data": {"device_path": self._path(volume)},
        }

    def terminate_connection(self, volume, connector, **kwargs) -> None:
        """Nothing to tear down."""
