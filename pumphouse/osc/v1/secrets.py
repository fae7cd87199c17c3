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

"""Secrets a command takes without putting them on its command line.

A secret given as an option's value shows in the process list (``ps``)
and the shell history. Each secret here can instead be asked for on the
terminal (never echoed; only when standard input is a terminal), read
from the first line of a file or of standard input, or taken from an
environment variable.
"""

import argparse
import collections.abc
import dataclasses
import os

from osc_lib import exceptions
from osc_lib import utils

#: The file name that means standard input.
STDIN = '-'


@dataclasses.dataclass(frozen=True)
class Secret:
    """One secret of a command.

    ``name`` makes its options (``password``: ``--password-prompt``,
    ``--password-file``, ``--password-stdin``); ``what`` names it in help
    and prompts; ``env`` is the environment variable read when no option
    gives it; ``on_command_line``: whether ``--<name> <secret>`` exists
    too (kept for scripts, its help says it is visible).
    """

    name: str
    what: str
    env: str
    on_command_line: bool = False

    @property
    def flag(self) -> str:
        return '--' + self.name.replace('_', '-')

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        """Its options, which exclude each other."""
        group = parser.add_mutually_exclusive_group()
        ways = (f'{self.flag}-prompt, {self.flag}-file, {self.flag}-stdin '
                f'or ${self.env}')
        if self.on_command_line:
            group.add_argument(
                self.flag, dest=self.name, metavar='<secret>',
                help=f'{self.what}. Visible to every user in the process '
                     f'list and kept in the shell history: prefer {ways}.')
        group.add_argument(
            f'{self.flag}-prompt', dest=f'{self.name}_prompt',
            action='store_true',
            help=f'Ask for the {self.what.lower()} on the terminal (twice, '
                 'never echoed); needs standard input to be a terminal.')
        group.add_argument(
            f'{self.flag}-file', dest=f'{self.name}_file', metavar='<file>',
            help=f'Read the {self.what.lower()} from the first line of a '
                 f'file ("{STDIN}": standard input).')
        group.add_argument(
            f'{self.flag}-stdin', dest=f'{self.name}_stdin',
            action='store_true',
            help=f'Read the {self.what.lower()} from the first line of '
                 'standard input.')

    def stdin_option(self, parsed_args) -> str | None:
        """Its option given that reads standard input, if any."""
        if getattr(parsed_args, f'{self.name}_stdin'):
            return f'{self.flag}-stdin'
        if getattr(parsed_args, f'{self.name}_file') == STDIN:
            return f'{self.flag}-file {STDIN}'
        return None

    def given(self, parsed_args) -> bool:
        """Whether one of its options is given (the environment aside)."""
        return bool(self.on_command_line and
                    getattr(parsed_args, self.name) or
                    getattr(parsed_args, f'{self.name}_prompt') or
                    getattr(parsed_args, f'{self.name}_file') or
                    getattr(parsed_args, f'{self.name}_stdin'))

    def read(self, parsed_args, stdin, environment: bool = True
             ) -> str | None:
        """The secret from its options, else (when ``environment``) from
        its environment variable; None when nothing gives it."""
        if self.on_command_line and getattr(parsed_args, self.name):
            return getattr(parsed_args, self.name)
        if getattr(parsed_args, f'{self.name}_prompt'):
            return self._prompt(stdin)
        path = getattr(parsed_args, f'{self.name}_file')
        if getattr(parsed_args, f'{self.name}_stdin'):
            path = STDIN
        if path:
            return self._first_line(path, stdin)
        if environment:
            return os.environ.get(self.env) or None
        return None

    def _prompt(self, stdin) -> str:
        if not (hasattr(stdin, 'isatty') and stdin.isatty()):
            raise exceptions.CommandError(
                f'{self.flag}-prompt needs a terminal (no terminal detected '
                f'on standard input): use {self.flag}-file, '
                f'{self.flag}-stdin or ${self.env}')
        return utils.get_password(stdin, prompt=f'{self.what}: ',
                                  confirm=True)

    def _first_line(self, path: str, stdin) -> str:
        source = 'standard input' if path == STDIN else path
        try:
            if path == STDIN:
                line = stdin.readline()
            else:
                with open(path) as f:
                    line = f.readline()
        except OSError as e:
            raise exceptions.CommandError(
                f'cannot read the {self.what.lower()} from {source}: '
                f'{e.strerror or e}') from None
        secret = line.rstrip('\r\n')
        if not secret:
            raise exceptions.CommandError(
                f'no {self.what.lower()} in {source}: its first line is '
                'empty')
        return secret


def one_stdin_reader(options: collections.abc.Iterable[str | None]
                     ) -> None:
    """Refuse two options that both read standard input (``options``: the
    options given that read it, None for those not given)."""
    reading = [option for option in options if option]
    if len(reading) > 1:
        raise exceptions.CommandError(
            'standard input can be read by one option only, not by '
            + ' and '.join(reading))
