"""Loading power drivers by name from ``pumphouse.hardware.power``."""

from stevedore import driver as stevedore_driver
from stevedore import exception as stevedore_exc

from pumphouse.common import exception
from pumphouse.drivers.hardware.power import base

NAMESPACE = 'pumphouse.hardware.power'


def get_driver(name: str) -> base.PowerDriver:
    """A new instance of the power driver ``name``; 400 if unknown."""
    try:
        manager = stevedore_driver.DriverManager(NAMESPACE, name,
                                                 invoke_on_load=True)
    except stevedore_exc.NoMatches:
        raise exception.Invalid(
            reason=f'unknown power driver {name!r}') from None
    return manager.driver
