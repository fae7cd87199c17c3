"""``fake``: provisioning that happens only in this process (development
and tests of the host flow)."""

import threading

from pumphouse.drivers.hardware.provision import base

_LOCK = threading.Lock()
_PROVISIONED: set[str] = set()


class FakeProvisionDriver(base.ProvisionDriver):
    """Remembers which machines it provisioned, by name.

    ``fail`` in the info makes ``provision()`` raise ProvisionError with
    that reason, for tests of what the host flow does then.
    """

    name = 'fake'
    info_schema = {
        'type': 'object',
        'properties': {'fail': {'type': 'string', 'minLength': 1}},
        'additionalProperties': False,
    }

    def provision(self, machine):
        reason = machine.provision_info.get('fail')
        if reason:
            raise self.error(machine, reason)
        with _LOCK:
            done = machine.name in _PROVISIONED
            _PROVISIONED.add(machine.name)
        if done:
            machine.event(f'{machine.name} is already provisioned.')
        else:
            machine.event(f'Provisioned {machine.name} (fake).')

    @staticmethod
    def provisioned(name: str) -> bool:
        """Whether the machine called ``name`` was provisioned."""
        with _LOCK:
            return name in _PROVISIONED

    @staticmethod
    def forget(name: str) -> None:
        """Make the machine ``name`` unprovisioned again."""
        with _LOCK:
            _PROVISIONED.discard(name)
