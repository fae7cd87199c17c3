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

"""What the API and the command line show of a host and its log.

Nothing secret: the driver info shown is what the host's driver described
when the host was registered (``power_public``, ``provision_public``), so
showing a host loads no driver; it is masked again when shown, for rows
described before the masking knew every password-like key.
"""

from pumphouse.common import crypto
from pumphouse.common import exception
from pumphouse.common import masking
from pumphouse.db import api as db_api

#: Options Pumphouse keeps for itself.
_HIDDEN_OPTIONS = ('nodes', 'disabled_by_pumphouse')
_KINDS = ('power', 'provision')


def unreadable_info(kinds: list[str], host_name: str) -> dict:
    """What to say of a host's driver info of ``kinds`` (power,
    provision) that the credential key cannot decrypt (keyword arguments
    of :func:`pumphouse.common.crypto.decrypt`)."""
    named = ' and '.join(kinds)
    drivers = 'driver' if len(kinds) == 1 else 'drivers'
    return {'what': f'The {named} info of host {host_name}',
            'remedy': 'Restore the key file it was stored with, or '
                      f"register the host's {named} {drivers} and info "
                      'again (pumphouse host register, openstack migration '
                      'host register, PATCH /v1/hosts/{id}).'}


def info_error(host) -> str | None:
    """Why the host's driver info cannot be used, in the operator's
    words; None when it can (or there is none)."""
    try:
        unreadable = [kind for kind in _KINDS
                      if getattr(host, f'{kind}_info')
                      and not crypto.readable(getattr(host, f'{kind}_info'))]
    except exception.CredentialKeyError as e:
        return f'{e} The driver info of the host cannot be read.'
    if not unreadable:
        return None
    return str(exception.CredentialDecryptError(
        **unreadable_info(unreadable, host.name)))


def _public_info(driver_name: str | None,
                 described: dict | None) -> dict | None:
    if not driver_name:
        return None
    return {'driver': driver_name, 'info': masking.mask(dict(described or {}))}


def view(host, clouds: dict | None = None) -> dict:
    """A host as the API and the command line show it."""
    clouds = clouds or {c.id: c.name for c in db_api.list_clouds()}
    return {
        'uuid': host.uuid,
        'name': host.name,
        'source': clouds.get(host.source_cloud_id),
        'destination': clouds.get(host.destination_cloud_id),
        'state': host.state,
        'target': host.target,
        'failed_step': host.failed_step,
        'last_error': host.last_error,
        # Not None when the stored driver info cannot be decrypted.
        'info_error': info_error(host),
        # Who works on it now: a conductor or a command-line process.
        'conductor': host.owner,
        'power': _public_info(host.power_driver, host.power_public),
        'provision': _public_info(host.provision_driver,
                                  host.provision_public),
        'macs': list(host.macs or []),
        'options': {k: v for k, v in (host.options or {}).items()
                    if k not in _HIDDEN_OPTIONS},
        'created_at': _timestamp(host.created_at),
        'updated_at': _timestamp(host.updated_at),
    }


def operation_view(operation) -> dict:
    """One line of a host's log."""
    return {'id': operation.id, 'step': operation.step,
            'state': operation.state, 'level': operation.level,
            'message': operation.message,
            'conductor': operation.conductor,
            'created_at': _timestamp(operation.created_at)}


def _timestamp(value) -> str | None:
    return value.isoformat() if value is not None else None
