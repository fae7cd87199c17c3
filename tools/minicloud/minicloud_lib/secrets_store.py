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

"""Generated passwords, kept in ``.minicloud/secrets`` (mode 0600).

Values are created once and reused by every later ``up``; they are
never printed.
"""

import json
import os
import secrets
import threading

from minicloud_lib import paths

_LOCK = threading.Lock()


def get(name: str, nbytes: int = 24) -> str:
    """The secret called ``name``, generating and storing it if new.

    New secrets are ``nbytes`` random bytes, URL-safe base64 encoded
    (IPMI passwords, for one, may not exceed 20 characters).
    """
    with _LOCK:  # ``up`` sets the two clouds up in parallel threads
        store = _load()
        if name not in store:
            store[name] = secrets.token_urlsafe(nbytes)
            _save(store)
        return store[name]


def _load() -> dict[str, str]:
    try:
        return json.loads(paths.SECRETS_FILE.read_text())
    except FileNotFoundError:
        return {}


def _save(store: dict[str, str]) -> None:
    paths.STATE_DIR.mkdir(parents=True, exist_ok=True)
    tmp = paths.SECRETS_FILE.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(store, out, indent=1, sort_keys=True)
    os.chmod(tmp, 0o600)
    os.replace(tmp, paths.SECRETS_FILE)
