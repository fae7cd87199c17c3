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

"""Service modules, in start order.

To add a service: write ``services/<name>.py`` with a
:class:`~minicloud_lib.services.base.Service` subclass (a free
``port_offset``, its ``databases``, ``configure`` and ``units``) and
append the class to :data:`SERVICE_CLASSES` after the services it
needs. Services that only one cloud runs say so in ``clouds`` (by
role: ``source`` or ``destination``).
"""

from minicloud_lib.cloud import Cloud
from minicloud_lib.services.base import Service
from minicloud_lib.services.cinder import Cinder
from minicloud_lib.services.glance import Glance
from minicloud_lib.services.heat import Heat
from minicloud_lib.services.ironic import Ironic
from minicloud_lib.services.keystone import Keystone
from minicloud_lib.services.neutron import Neutron
from minicloud_lib.services.nova import Nova
from minicloud_lib.services.placement import Placement

#: Start order; ``down`` stops in reverse.
SERVICE_CLASSES: tuple[type[Service], ...] = (
    Keystone, Glance, Placement, Neutron, Cinder, Nova, Ironic, Heat,
)


def for_cloud(cloud: Cloud) -> list[Service]:
    """Service instances of ``cloud``, in start order."""
    return [cls(cloud) for cls in SERVICE_CLASSES
            if cls.clouds is None or cloud.kind in cls.clouds]
