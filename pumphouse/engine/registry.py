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

"""Loading resource drivers from the ``pumphouse.resources`` namespace."""

import functools

from stevedore import extension

from pumphouse.engine import driver

NAMESPACE = 'pumphouse.resources'


@functools.cache
def _extensions() -> tuple:
    manager = extension.ExtensionManager(
        NAMESPACE, invoke_on_load=False,
        on_load_failure_callback=_failed)
    return tuple((ext.name, ext.plugin) for ext in manager)


def _failed(manager, entrypoint, error):
    raise error


def load_drivers() -> dict[str, driver.ResourceDriver]:
    """A fresh instance of every resource driver, by resource type."""
    drivers = {}
    for name, plugin in _extensions():
        loaded = plugin()
        loaded.resource_type = name
        drivers[name] = loaded
    return dict(sorted(drivers.items()))
