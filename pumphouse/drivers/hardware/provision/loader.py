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

"""Loading provision drivers by name from ``pumphouse.hardware.provision``."""

from stevedore import driver as stevedore_driver
from stevedore import exception as stevedore_exc

from pumphouse.common import exception
from pumphouse.drivers.hardware.provision import base

NAMESPACE = 'pumphouse.hardware.provision'


def get_driver(name: str) -> base.ProvisionDriver:
    """A new instance of the provision driver ``name``; 400 if unknown."""
    try:
        manager = stevedore_driver.DriverManager(NAMESPACE, name,
                                                 invoke_on_load=True)
    except stevedore_exc.NoMatches:
        raise exception.Invalid(
            reason=f'unknown provision driver {name!r}') from None
    return manager.driver
