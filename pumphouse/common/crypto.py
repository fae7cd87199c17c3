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

"""Encryption at rest of the credentials of registered clouds.

The key file holds one Fernet key per line. The first key encrypts; all of
them decrypt, so an operator rotates keys by putting a new key on the first
line and keeping the old ones below it until everything is re-encrypted.
"""

import json
import os
import threading

from cryptography import fernet
from oslo_log import log

from pumphouse.common import exception
from pumphouse.conf import CONF

LOG = log.getLogger(__name__)

_lock = threading.Lock()
_cache: dict[str, fernet.MultiFernet] = {}


def ensure_key_file(path: str | None = None) -> bool:
    """Create the key file with a new key unless it exists.

    Safe against several processes starting at once: the file is written
    under a temporary name and linked into place, which fails if another
    process won the race. Returns True when this call created the file.
    """
    path = path or CONF.credentials.key_file
    if os.path.exists(path):
        _check_permissions(path)
        return False
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, mode=0o700, exist_ok=True)
    tmp = f'{path}.{os.getpid()}.tmp'
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, 'w') as f:
            f.write(fernet.Fernet.generate_key().decode() + '\n')
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
    finally:
        os.unlink(tmp)
    LOG.info('Created the credential key file %s', path)
    return True


def _check_permissions(path: str) -> None:
    mode = os.stat(path).st_mode & 0o777
    if mode & 0o077:
        LOG.warning('The credential key file %(path)s can be read by other '
                    'users (mode %(mode)o); it should be 0600.',
                    {'path': path, 'mode': mode})


def _key_error(path: str, reason: str) -> exception.CredentialKeyError:
    """The error for a caller (no path in it), the path in the log."""
    LOG.error('Cannot use the credential key file %(path)s: %(reason)s',
              {'path': path, 'reason': reason})
    return exception.CredentialKeyError(reason=reason)


def _load(path: str) -> fernet.MultiFernet:
    try:
        with open(path) as f:
            lines = [line.strip() for line in f if line.strip()]
    except OSError as e:
        raise _key_error(path, e.strerror or type(e).__name__) from e
    if not lines:
        raise _key_error(path, 'it is empty')
    try:
        return fernet.MultiFernet([fernet.Fernet(k) for k in lines])
    except ValueError as e:
        raise _key_error(path, 'a line is not a Fernet key') from e


def _fernet() -> fernet.MultiFernet:
    path = CONF.credentials.key_file
    with _lock:
        if path not in _cache:
            _cache[path] = _load(path)
        return _cache[path]


def reset_cache() -> None:
    """Forget loaded keys, e.g. after the key file was rotated."""
    with _lock:
        _cache.clear()


def encrypt(data: dict) -> str:
    """Encrypt a JSON-serialisable dict into a token safe to store."""
    return _fernet().encrypt(json.dumps(data).encode()).decode()


def decrypt(token: str, what: str = 'Stored credentials',
            remedy: str = 'Store them again.') -> dict:
    """Decrypt a token made by :func:`encrypt`.

    Raises CredentialDecryptError (409) naming ``what`` could not be
    decrypted and ``remedy``, how to store it again.
    """
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except fernet.InvalidToken as e:
        raise exception.CredentialDecryptError(what=what,
                                               remedy=remedy) from e


def readable(token: str) -> bool:
    """Whether the keys of the key file decrypt ``token``."""
    try:
        _fernet().decrypt(token.encode())
    except fernet.InvalidToken:
        return False
    return True
