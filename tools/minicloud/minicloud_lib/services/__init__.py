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
from minicloud_lib.services.ironic import Ironic
from minicloud_lib.services.keystone import Keystone
from minicloud_lib.services.neutron import Neutron
from minicloud_lib.services.nova import Nova
from minicloud_lib.services.placement import Placement

#: Start order; ``down`` stops in reverse.
SERVICE_CLASSES: tuple[type[Service], ...] = (
    Keystone, Glance, Placement, Neutron, Cinder, Nova, Ironic,
)


def for_cloud(cloud: Cloud) -> list[Service]:
    """Service instances of ``cloud``, in start order."""
    return [cls(cloud) for cls in SERVICE_CLASSES
            if cls.clouds is None or cloud.kind in cls.clouds]
