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

"""Encryption at rest of the secrets Pumphouse stores.

The key file holds one Fernet key per line. The first key encrypts; all of
them decrypt (a MultiFernet), so a key is rotated by putting a new key on
the first line and keeping the old ones below it until everything is
re-encrypted: ``pumphouse-dbsync rotate-key`` does that
(:mod:`pumphouse.db.secret_api`).

One deployment has one key file, the same on every API and conductor
node: a process that finds none where ``[credentials] key_file`` says
refuses to start (:func:`check_key_file`); only an embedded state
directory and ``pumphouse-dbsync upgrade`` create one
(:func:`ensure_key_file`). A process notices when the file is replaced
and reads it again.
"""

import contextlib
import json
import os
import threading

from cryptography import fernet
from oslo_log import log

from pumphouse.common import exception
from pumphouse.conf import CONF

LOG = log.getLogger(__name__)

_lock = threading.Lock()
#: Loaded keys by path, with the signature of the file they came from.
_cache: dict[str, tuple[tuple, fernet.MultiFernet]] = {}


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
            f.write(generate_key() + '\n')
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


def read_keys(path: str) -> list[str]:
    """The keys of a key file, the encrypting one first.

    Raises CredentialKeyError when it cannot be read, is empty or holds
    something that is not a Fernet key.
    """
    try:
        with open(path) as f:
            lines = [line.strip() for line in f if line.strip()]
    except OSError as e:
        raise _key_error(path, e.strerror or type(e).__name__) from e
    if not lines:
        raise _key_error(path, 'it is empty')
    for line in lines:
        try:
            fernet.Fernet(line)
        except ValueError as e:
            raise _key_error(path, 'a line is not a Fernet key') from e
    return lines


def multi_fernet(keys: list[str]) -> fernet.MultiFernet:
    """The MultiFernet of ``keys``: the first encrypts, all decrypt."""
    return fernet.MultiFernet([fernet.Fernet(k) for k in keys])


def _signature(path: str) -> tuple:
    """What changes when the file is replaced or rewritten."""
    try:
        st = os.stat(path)
    except OSError as e:
        raise _key_error(path, e.strerror or type(e).__name__) from e
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns,
            st.st_ctime_ns)


def _fernet() -> fernet.MultiFernet:
    path = CONF.credentials.key_file
    signature = _signature(path)
    with _lock:
        cached = _cache.get(path)
        if cached is None or cached[0] != signature:
            # First use, or the file was replaced (a key rotation): the
            # keys are read again, so that running services follow.
            _cache[path] = (signature, multi_fernet(read_keys(path)))
        return _cache[path][1]


def check_key_file(path: str | None = None) -> None:
    """Refuse to start without a usable key file.

    Raises CredentialKeyMissing when there is no file at ``path``
    (``[credentials] key_file`` by default), CredentialKeyError when it
    cannot be read or holds no Fernet key.
    """
    path = path or CONF.credentials.key_file
    if not os.path.lexists(path):
        raise exception.CredentialKeyMissing(
            path=path,
            remedy='Every API and conductor node of a deployment needs the '
                   'same key file: copy it from the node where '
                   '"pumphouse-dbsync upgrade" created it (only an embedded '
                   'state directory gets one created on first use).')
    read_keys(path)
    _check_permissions(path)


def generate_key() -> str:
    """A new Fernet key."""
    return fernet.Fernet.generate_key().decode()


def write_keys(keys: list[str], path: str | None = None) -> None:
    """Replace the key file with ``keys`` (the encrypting one first).

    Atomic: the keys are written to a temporary file beside it, with the
    mode, owner and group of the file it replaces (0600 and this user for
    a new one), and renamed over it; a reader sees the old file or the
    new one, never a part of either.
    """
    path = path or CONF.credentials.key_file
    try:
        old = os.stat(path)
    except FileNotFoundError:
        old = None
    tmp = f'{path}.{os.getpid()}.tmp'
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, 'w') as f:
            if old is not None:
                os.fchmod(f.fileno(), old.st_mode & 0o777)
                if (old.st_uid, old.st_gid) != (os.geteuid(), os.getegid()):
                    # Run as root for a service user: the file stays the
                    # service's.
                    try:
                        os.fchown(f.fileno(), old.st_uid, old.st_gid)
                    except PermissionError as e:
                        raise _key_error(
                            path, 'it belongs to another user or group: '
                                  'run this as its owner or as root') from e
            f.write(''.join(f'{key}\n' for key in keys))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    reset_cache()


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
