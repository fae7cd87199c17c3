"""Service modules, in start order.

To add a service: write ``services/<name>.py`` with a
:class:`~minicloud_lib.services.base.Service` subclass (a free
``port_offset``, its ``databases``, ``configure`` and ``units``) and
append the class to :data:`SERVICE_CLASSES` after the services it
needs. Everything is already installed in the harness venv.
"""

from minicloud_lib.cloud import Cloud
from minicloud_lib.services.base import Service
from minicloud_lib.services.keystone import Keystone

#: Start order; ``down`` stops in reverse.
SERVICE_CLASSES: tuple[type[Service], ...] = (Keystone,)


def for_cloud(cloud: Cloud) -> list[Service]:
    """Service instances of ``cloud``, in start order."""
    return [cls(cloud) for cls in SERVICE_CLASSES]
