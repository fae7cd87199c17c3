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

"""A Nova fake virt driver whose snapshots carry bytes.

Test-only. Based on ``FakeDriverWithoutFakeNodes`` (stable node name and
UUID, so nova-compute can restart). Three additions:

* ``snapshot`` uploads :func:`minicloud_drivers.content.snapshot_bytes`
  of the instance as a ``raw`` image, so a server snapshot is an image
  with content;
* ``init_host`` takes back the instances the database places on this
  host, so servers stay ACTIVE across a restart of nova-compute (the
  stock fake forgets them and Nova would stop them);
* a server whose metadata holds ``minicloud:refuse-live-migration``
  cannot be live-migrated (the source host's pre-check fails, as a
  real hypervisor's does for a device that cannot move live); cold
  migration still works. Tests of a live -> cold fallback use it.

Load with ``compute_driver = minicloud_drivers.nova_fake.SnapshotFakeDriver``.
"""

import io

from nova import context as nova_context
from nova import exception
from nova import objects
from nova.compute import power_state
from nova.compute import task_states
from nova.compute import vm_states
from nova.image import glance
from nova.virt import fake
from oslo_log import log as logging

from minicloud_drivers import content

LOG = logging.getLogger(__name__)
#: Server metadata key that makes the live-migration pre-check fail.
REFUSE_LIVE = "minicloud:refuse-live-migration"
_KEEP_STATES = (power_state.RUNNING, power_state.SHUTDOWN,
                power_state.PAUSED, power_state.SUSPENDED)


class SnapshotFakeDriver(fake.FakeDriverWithoutFakeNodes):
    """Fake hypervisor with restartable state and real snapshot bytes."""

    def init_host(self, host):
        """Set the node name, then adopt this host's known instances."""
        super().init_host(host)
        try:
            self._adopt_instances(host)
        except Exception:  # a fresh cloud has no instances to adopt
            LOG.exception("could not adopt the instances of %s", host)

    def _adopt_instances(self, host: str) -> None:
        ctx = nova_context.get_admin_context()
        known = objects.InstanceList.get_by_host(
            ctx, host, expected_attrs=["flavor"])
        for instance in known:
            if (instance.vm_state in (vm_states.DELETED, vm_states.ERROR)
                    or instance.power_state not in _KEEP_STATES
                    or instance.uuid in self.instances):
                continue
            self.instances[instance.uuid] = fake.FakeInstance(
                instance.name, instance.power_state, instance.uuid)
            flavor = instance.flavor
            self.resources.claim(vcpus=flavor.vcpus, mem=flavor.memory_mb,
                                 disk=flavor.root_gb)
            LOG.info("adopted instance %s", instance.uuid)

    def snapshot(self, context, instance, image_id, update_task_state):
        """Upload deterministic bytes of ``instance`` as a raw image."""
        if instance.uuid not in self.instances:
            raise exception.InstanceNotRunning(instance_id=instance.uuid)
        update_task_state(task_state=task_states.IMAGE_PENDING_UPLOAD)
        update_task_state(task_state=task_states.IMAGE_UPLOADING,
                          expected_state=task_states.IMAGE_PENDING_UPLOAD)
        data = content.snapshot_bytes(instance.uuid)
        metadata = {"disk_format": "raw", "container_format": "bare"}
        glance.API().update(context, image_id, metadata, io.BytesIO(data),
                            purge_props=False)
        LOG.info("uploaded %d bytes as snapshot %s of %s", len(data),
                 image_id, instance.uuid)

    def check_can_live_migrate_source(self, context, instance,
                                      dest_check_data,
                                      block_device_info=None):
        """Refuse servers tagged with :data:`REFUSE_LIVE`."""
        if REFUSE_LIVE in (instance.metadata or {}):
            raise exception.MigrationPreCheckError(
                reason=f"the instance's metadata holds {REFUSE_LIVE}")
        return super().check_can_live_migrate_source(
            context, instance, dest_check_data, block_device_info)
