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

"""The argument parsers the CLI reference renders (sphinx-argparse).

sphinx-argparse reads each help text as reStructuredText; the texts are
written for a terminal (``*.conf``), so their markup characters are
escaped here, in a parser built only for the documentation.
"""

import argparse
import re

from pumphouse.cli import parser
from pumphouse.cmd import pumphouse as pumphouse_cmd


def rst_escape(text: str) -> str:
    """Plain text that reStructuredText shows as it is."""
    text = re.sub(r'([\\*`|])', r'\\\1', text)
    # --option would become an en dash (smart quotes).
    text = text.replace('--', '-\\-')
    # word_ is a reference in reStructuredText.
    return re.sub(r'(\w)_(?=\W|$)', r'\1\\_', text)


def _escape(command: argparse.ArgumentParser, seen: set[int]) -> None:
    """Escape the texts of ``command`` and its sub-commands, each once:
    the commands share the actions of their parent parsers."""
    if id(command) in seen:
        return
    seen.add(id(command))
    if command.description:
        command.description = rst_escape(command.description)
    for action in command._actions:
        if id(action) in seen:
            continue
        seen.add(id(action))
        if action.help and action.help != argparse.SUPPRESS:
            action.help = rst_escape(action.help)
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                if id(choice) not in seen and choice.help:
                    seen.add(id(choice))
                    choice.help = rst_escape(choice.help)
            for sub in action.choices.values():
                _escape(sub, seen)


def pumphouse_parser() -> argparse.ArgumentParser:
    """The parser of ``pumphouse``, with ``serve`` as the command has it."""
    built = parser.build_parser({name: help_text
                                 for name, (_func, help_text)
                                 in pumphouse_cmd.SERVICES.items()})
    _escape(built, set())
    return built
