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

"""Loading power drivers by name from ``pumphouse.hardware.power``."""

import inspect
from typing import Any

from stevedore import driver as stevedore_driver
from stevedore import exception as stevedore_exc

from pumphouse.common import exception
from pumphouse.drivers.hardware.power import base

NAMESPACE = 'pumphouse.hardware.power'


def get_driver(name: str, **kwargs: Any) -> base.PowerDriver:
    """A new instance of the power driver ``name``; 400 if unknown.

    ``kwargs`` are offered to the driver's constructor, each only to a
    driver that takes it: ``destination`` (a callable returning an
    openstacksdk Connection to the destination cloud) reaches the
    ``ironic`` driver, and ``ipmi`` is built without it.
    """
    try:
        manager = stevedore_driver.DriverManager(NAMESPACE, name,
                                                 invoke_on_load=False)
    except stevedore_exc.NoMatches:
        raise exception.Invalid(
            reason=f'unknown power driver {name!r}') from None
    driver_class = manager.driver
    return driver_class(**_accepted(driver_class, kwargs))


def _accepted(driver_class: type, kwargs: dict) -> dict:
    """The ``kwargs`` that ``driver_class``'s constructor takes."""
    parameters = inspect.signature(driver_class).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD
           for p in parameters.values()):
        return dict(kwargs)
    return {key: value for key, value in kwargs.items()
            if key in parameters}
