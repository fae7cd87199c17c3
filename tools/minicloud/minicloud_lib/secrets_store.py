"""Generated passwords, kept in ``.minicloud/secrets`` (mode 0600).

Values are created once and reused by every later ``up``; they are
never printed.
"""

import json
import os
import secrets

from minicloud_lib import paths


def get(name: str) -> str:
    """The secret called ``name``, generating and storing it if new."""
    store = _load()
    if name not in store:
        store[name] = secrets.token_urlsafe(24)
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
