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

"""The per-server choices of a host's evacuation, as both command lines
take them (``pumphouse host evacuate|reassign`` and ``openstack
migration host evacuate|reassign``): ``--to-destination [SERVER]``,
``--leave SERVER`` (evacuate only) and ``--override SERVER``.

One table of the options, their help and the reading of what was given,
so that the two front ends say and accept the same. Imported by the
OpenStack client plugin: nothing here may load the service's libraries.
"""

import argparse

#: The choices, as the API names them (see
#: :mod:`pumphouse.hosts.evacuation_plan`).
TO_DESTINATION = 'to_destination'
LEAVE = 'leave'
OVERRIDE = 'override'
#: ``--to-destination`` without a server: every server of the host.
EVERY_SERVER = '*'

#: (option, choice, help): ``{server}`` is the metavar, ``{repeat}`` the
#: front end's word for a repeatable option.
_OPTIONS = (
    ('--to-destination', TO_DESTINATION,
     'Move this server (name or ID; {repeat}) to the destination cloud '
     'instead of another source host; without {server}, every server of '
     'the host.'),
    ('--leave', LEAVE,
     'Leave this server on the host ({repeat}): the host then ends '
     'disabled, not evacuated.'),
    ('--override', OVERRIDE,
     'Move this server although its evacuation plan finds no host for '
     'it: Nova\'s scheduler decides ({repeat}).'),
)


class ConflictingChoices(ValueError):
    """One server given two choices."""


def add_options(parser: argparse.ArgumentParser, *, metavar: str,
                repeat: str, can_leave: bool) -> None:
    """Add the choice options to ``parser``; ``--leave`` only if the
    command can leave servers on the host (``evacuate``, not
    ``reassign``)."""
    for option, choice, text in _OPTIONS:
        if choice == LEAVE and not can_leave:
            continue
        kwargs = {'action': 'append', 'metavar': metavar,
                  'help': text.format(server=metavar, repeat=repeat)}
        if choice == TO_DESTINATION:
            kwargs.update(nargs='?', const=EVERY_SERVER)
        parser.add_argument(option, **kwargs)


def read(parsed: argparse.Namespace) -> tuple[dict[str, str], bool]:
    """The choice for each server named, and whether every server goes to
    the destination cloud. Raises :class:`ConflictingChoices` when a
    server is given two."""
    choices: dict[str, str] = {}
    every = False
    for option, choice, _text in _OPTIONS:
        for server in getattr(parsed, option[2:].replace('-', '_'),
                              None) or []:
            if server == EVERY_SERVER:
                every = True
            elif choices.setdefault(server, choice) != choice:
                raise ConflictingChoices(
                    f'server {server} is given two choices: '
                    f'{choices[server]} and {choice}')
    return choices, every
