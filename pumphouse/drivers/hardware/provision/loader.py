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
