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

"""Pieces the migration commands share: the client, URL paths, and the
columns and base classes that print nested fields well in every format.
"""

import json
import typing

from cliff import columns
from osc_lib import exceptions
from osc_lib.command import command

from pumphouse.common import durations
from pumphouse.osc import client as client_mod

#: The one way the commands build URL paths (segments escaped).
path = client_mod.path

#: cliff formatters that print a column with ``str()``: a structure is
#: given to them as its table text (compact JSON), not as a Python repr.
TEXT_FORMATTERS = ('value', 'shell', 'csv')


def client(cmd) -> client_mod.Client:
    """The migration API client of the OSC client manager."""
    return cmd.app.client_manager.migration


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


class StructureColumn(columns.FormattableColumn):
    """A dict or list field: itself with ``-f json`` and ``-f yaml``,
    compact JSON in a table cell (and with ``-f value``, ``shell``,
    ``csv``)."""

    def human_readable(self) -> str:
        return json.dumps(self._value, sort_keys=True, ensure_ascii=False)


class JoinedColumn(columns.FormattableColumn):
    """A list of names: the list itself with ``-f json`` and ``-f
    yaml``, the names joined by ``separator`` in a table cell."""

    separator = ', '

    def human_readable(self) -> str:
        return self.separator.join(str(item) for item in self._value or ())


class EstimateColumn(columns.FormattableColumn):
    """A plan's estimate: itself with ``-f json`` and ``-f yaml``, its
    range and basis in words elsewhere."""

    def human_readable(self) -> str:
        return durations.estimate_text(self._value)


class TimeColumn(columns.FormattableColumn):
    """A migration's time (elapsed, left): itself with ``-f json`` and
    ``-f yaml``, in words elsewhere."""

    def human_readable(self) -> str:
        return durations.time_text(self._value)


def cell(value):
    """A field value as a table cell: dicts and lists as
    :class:`StructureColumn`, anything else as it is."""
    if isinstance(value, (dict, list)):
        return StructureColumn(value)
    return value


def show(data: dict, fields: list[str] | None = None) -> tuple:
    """``(columns, values)`` of a ShowOne for the fields of ``data``."""
    names = fields or sorted(data)
    return tuple(names), tuple(cell(data.get(name)) for name in names)


def as_text(value):
    """What a text formatter (:data:`TEXT_FORMATTERS`) prints of a cell."""
    if isinstance(value, columns.FormattableColumn):
        return value.human_readable()
    return value


def rows_for(formatter: str, rows: typing.Iterable) -> typing.Iterable:
    """The rows of a list for the formatter ``formatter``."""
    if formatter not in TEXT_FORMATTERS:
        return rows
    return ([as_text(value) for value in row] for row in rows)


class ShowOne(command.ShowOne):
    """A ShowOne whose nested fields are structures in ``-f json|yaml``
    and compact JSON with every other formatter."""

    def produce_output(self, parsed_args, column_names, data):
        if parsed_args.formatter in TEXT_FORMATTERS:
            data = tuple(as_text(value) for value in data)
        return super().produce_output(parsed_args, column_names, data)


class Lister(command.Lister):
    """A Lister whose nested cells are structures in ``-f json|yaml``
    and compact JSON (or joined names) with every other formatter."""

    def produce_output(self, parsed_args, column_names, data):
        return super().produce_output(
            parsed_args, column_names,
            rows_for(parsed_args.formatter, data))


def progress_bar(done: int, total: int, state: str, width: int = 30,
                 time: dict | None = None) -> str:
    """``[####......] 2/5 state``, and the ``time`` elapsed and left of
    a migration that has one."""
    filled = int(width * done / total) if total else width
    text = (f'[{"#" * filled}{"." * (width - filled)}] {done}/{total} '
            f'{state}')
    when = durations.time_text(time, brief=True) if time else '-'
    return text if when == '-' else f'{text} ({when})'

