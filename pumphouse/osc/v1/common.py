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

"""Pieces the migration commands share."""

import json
import sys
import time

from osc_lib import exceptions

from pumphouse.osc import client as client_mod

#: Migration states after which nothing changes without the operator.
SETTLED = ('planned', 'completed', 'failed', 'cancelled')
FINISHED = ('completed', 'failed', 'cancelled')


#: The one way the commands build URL paths (segments escaped).
path = client_mod.path


def client(command):
    """The migration API client of the OSC client manager."""
    return command.app.client_manager.migration


def pairs(values: list[str], what: str) -> dict[str, str]:
    """``KEY=VALUE`` arguments as a dict; a clear error otherwise."""
    found = {}
    for value in values or ():
        key, sep, item = value.partition('=')
        if not sep or not key or not item:
            raise exceptions.CommandError(
                f'{what} is given as KEY=VALUE, not {value!r}')
        found[key] = item
    return found


def cell(value):
    """A value as one table cell (dicts and lists as compact JSON)."""
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return value


def show(data: dict, fields: list[str] | None = None) -> tuple:
    """``(columns, values)`` of a ShowOne for the fields of ``data``."""
    names = fields or sorted(data)
    return tuple(names), tuple(cell(data.get(name)) for name in names)


def progress_bar(done: int, total: int, state: str, width: int = 30) -> str:
    filled = int(width * done / total) if total else width
    return (f'[{"#" * filled}{"." * (width - filled)}] {done}/{total} '
            f'{state}')


def wait_for(api, uuid: str, states: tuple, timeout: float,
             interval: float = 2.0, out=None) -> dict:
    """Poll a migration until its state is one of ``states``, drawing a
    progress bar on ``out`` (stderr) as its items finish."""
    out = out or sys.stderr
    deadline = time.monotonic() + timeout
    while True:
        migration = api.get(path('migrations', uuid))
        items = migration.get('items') or {}
        by_state = items.get('by_state', {})
        done = sum(by_state.get(s, 0) for s in ('done', 'skipped'))
        out.write('\r' + progress_bar(done, items.get('total', 0),
                                      migration['state']))
        out.flush()
        if migration['state'] in states:
            out.write('\n')
            return migration
        if time.monotonic() >= deadline:
            out.write('\n')
            raise exceptions.CommandError(
                f'migration {uuid} is still {migration["state"]} after '
                f'{timeout:.0f}s; it goes on: watch it with "openstack '
                f'migration show {uuid}"')
        time.sleep(interval)
