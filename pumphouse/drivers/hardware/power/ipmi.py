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

"""``ipmi``: power through a BMC's IPMI-over-LAN interface (pyghmi)."""

import hashlib
import threading

import tenacity
from oslo_log import log
from pyghmi import exceptions as ipmi_exc
from pyghmi.ipmi import command

from pumphouse.common import exception
from pumphouse.drivers.hardware.power import base

LOG = log.getLogger(__name__)

#: Seconds set_power waits for the BMC to report the new state.
POWER_WAIT = 30
ATTEMPTS = 3

_SESSIONS: dict[tuple, command.Command] = {}
_SESSIONS_LOCK = threading.Lock()

#: pyghmi's words for credentials the BMC refused.
_AUTH_ERRORS = ('password', 'unauthorized', 'username', 'privilege')


class IPMIPowerDriver(base.PowerDriver):
    """IPMI 2.0 (RMCP+) through pyghmi, with retries and timeouts."""

    name = 'ipmi'
    secret_keys = ('password',)
    info_schema = {
        'type': 'object',
        'properties': {
            'address': {'type': 'string', 'minLength': 1, 'maxLength': 255},
            'port': {'type': 'integer', 'minimum': 1, 'maximum': 65535},
            'username': {'type': 'string', 'minLength': 1, 'maxLength': 64},
            'password': {'type': 'string', 'maxLength': 64},
        },
        'required': ['address', 'username', 'password'],
        'additionalProperties': False,
    }

    def _call(self, info: dict, what: str, action):
        """``action(ipmi)`` on a fresh session, retried on transient
        errors; refused credentials are not retried."""
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(ATTEMPTS),
            wait=tenacity.wait_exponential(multiplier=1, max=5),
            retry=tenacity.retry_if_exception(_transient), reraise=True)
        try:
            for attempt in retrying:
                with attempt:
                    session = _session(info)
                    try:
                        return action(session)
                    except ipmi_exc.IpmiException:
                        _forget(info)
                        raise
        except ipmi_exc.IpmiException as e:
            reason = str(e) or type(e).__name__
            if not _transient(e):
                reason = f'the BMC refused the credentials ({reason})'
            raise exception.PowerError(
                action=what, address=f'{info["address"]}:'
                                     f'{info.get("port", 623)}',
                reason=reason) from None

    def get_power_state(self, info):
        return self._call(info, 'read the power state',
                          lambda s: s.get_power()['powerstate'])

    def set_power_state(self, info, state):
        if state not in base.POWER_STATES:
            raise exception.Invalid(reason=f'unknown power state {state!r}')
        LOG.info('IPMI %(address)s: power %(state)s',
                 {'address': info['address'], 'state': state})
        self._call(info, f'power {state}',
                   lambda s: s.set_power(state, wait=POWER_WAIT))

    def set_boot_device(self, info, device, persistent=False):
        if device not in base.BOOT_DEVICES:
            raise exception.Invalid(reason=f'unknown boot device {device!r}')
        self._call(info, f'set the boot device to {device}',
                   lambda s: s.set_bootdev(device, persist=persistent))


def _key(info: dict) -> tuple:
    secret = hashlib.sha256(info['password'].encode()).hexdigest()
    return (info['address'], int(info.get('port', 623)), info['username'],
            secret)


def _session(info: dict) -> command.Command:
    """One pyghmi Command per BMC and credentials, kept for reuse: pyghmi
    keeps its session alive, and a second Command for the same session
    would wait on a login that is already done."""
    key = _key(info)
    with _SESSIONS_LOCK:
        session = _SESSIONS.get(key)
        if session is None:
            session = _SESSIONS[key] = command.Command(
                bmc=info['address'], port=int(info.get('port', 623)),
                userid=info['username'], password=info['password'])
        return session


def _forget(info: dict) -> None:
    with _SESSIONS_LOCK:
        _SESSIONS.pop(_key(info), None)


def _transient(error: BaseException) -> bool:
    if not isinstance(error, ipmi_exc.IpmiException):
        return False
    text = str(error).lower()
    return not any(word in text for word in _AUTH_ERRORS)

