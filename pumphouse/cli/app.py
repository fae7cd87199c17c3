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

"""Running a command: configuration, logging, dispatch and exit statuses.

Every failure ends as one line on stderr and an exit status (see
:mod:`.errors`): 2 for a wrong command line or something it names that
does not exist (an unknown cloud, migration, resource type or strategy),
1 when the work fails, 130 on Ctrl-C. A traceback is shown only with
``--debug``.
"""

import argparse
import logging
import os
import sys
import traceback
from collections.abc import Callable

from keystoneauth1 import exceptions as ksa_exc
from openstack import exceptions as sdk_exc
from oslo_config import cfg
from oslo_db import exception as db_exc

from pumphouse.cli import errors
from pumphouse.cli import parser as parser_mod
from pumphouse.common import cloud_config
from pumphouse.common import crypto
from pumphouse.common import exception
from pumphouse.common import service
from pumphouse.conf import CONF
from pumphouse.db import schema

#: Defaults of the command line: logs go to stderr, stdout is the
#: command's own.
CLI_DEFAULTS = {(None, 'use_stderr'): True}


#: Loggers of the work the commands show themselves, as events, progress
#: lines and their one-line error.
_SHOWN_BY_THE_COMMANDS = ('pumphouse.engine', 'pumphouse.hosts',
                          'pumphouse.conductor.migration_work',
                          'pumphouse.conductor.host_work')


class _ConsoleFilter(logging.Filter):
    """Keeps off the console what the commands say themselves (the
    engine's and the host flow's records) and the warnings of the
    libraries (a cloud that cannot be reached is one error line, not a
    keystoneauth warning first). Log files still get everything."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith(_SHOWN_BY_THE_COMMANDS):
            return False
        return (record.name.startswith('pumphouse')
                or record.levelno >= logging.ERROR)


class _NoTraceback(logging.Formatter):
    """The console's format without tracebacks (``--debug`` shows
    them)."""

    def __init__(self, inner: logging.Formatter | None) -> None:
        super().__init__()
        self.inner = inner or logging.Formatter()

    def format(self, record: logging.LogRecord) -> str:
        if record.exc_info or record.exc_text or record.stack_info:
            record = logging.makeLogRecord(dict(
                record.__dict__, exc_info=None, exc_text=None,
                stack_info=None))
        return self.inner.format(record)


def _quiet_console() -> None:
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler) and not isinstance(
                handler, logging.FileHandler):
            handler.setLevel(logging.WARNING)
            handler.addFilter(_ConsoleFilter())
            handler.setFormatter(_NoTraceback(handler.formatter))


def prepare(args: argparse.Namespace) -> None:
    """Configuration, logging, key file and the local database schema."""
    service.prepare_service(['pumphouse', *parser_mod.oslo_argv(args)],
                            defaults=CLI_DEFAULTS, init_rpc=False,
                            create_key=False)
    if not CONF.debug:
        _quiet_console()
    if crypto.ensure_key_file():
        print('Created the credential key file '
              f'{CONF.credentials.key_file}', file=sys.stderr)
    schema.upgrade()


def _debug(args: argparse.Namespace) -> bool:
    if any(parser_mod.option_values(args, 'debug')):
        return True
    try:
        return bool(CONF.debug)
    except cfg.Error:
        return False


def _fail(args: argparse.Namespace, message: str, status: int) -> int:
    if _debug(args) and sys.exc_info()[0] is not None:
        traceback.print_exc()
    print(message, file=sys.stderr)
    return status


def run(args: argparse.Namespace, configure: bool = True) -> int:
    """Run the parsed command; ``configure=False`` when the caller has
    configured the process already (tests)."""
    try:
        if configure:
            prepare(args)
        return args.func(args)
    except errors.CommandError as e:
        return _fail(args, str(e), e.status)
    except KeyboardInterrupt:
        return _fail(args, 'Interrupted.', errors.INTERRUPTED)
    except BrokenPipeError:
        # The reader went away (e.g. "| head"): nothing left to tell.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return errors.FAILED
    except cfg.Error as e:
        return _fail(args, f'Configuration error: {e}', errors.FAILED)
    except db_exc.DBConnectionError as e:
        return _fail(args, 'Cannot connect to the database: '
                     f'{e.inner_exception}', errors.FAILED)
    except (exception.Invalid, exception.NotFound) as e:
        return _fail(args, f'Error: {e}', errors.USAGE)
    except exception.PumphouseException as e:
        return _fail(args, f'Error: {e}', errors.FAILED)
    except (sdk_exc.SDKException, ksa_exc.ClientException) as e:
        return _fail(args, 'Error talking to a cloud: '
                     f'{cloud_config.error_text(e)}', errors.FAILED)
    except Exception as e:
        return _fail(args, f'Error: {type(e).__name__}: {e}',
                     errors.FAILED)


#: A command that runs a service: its function takes the oslo.config
#: command line, and its help text.
Passthrough = dict[str, tuple[Callable[[list[str]], int], str]]


def main(argv: list[str], passthrough: Passthrough | None = None) -> int:
    """Parse ``argv`` (without the program name) and run the command.

    The arguments of a ``passthrough`` command (``serve``) all go to
    oslo.config, with the configuration options given before it.
    """
    passthrough = passthrough or {}
    parser = parser_mod.build_parser(
        {name: help_text for name, (_func, help_text) in passthrough.items()})
    args, rest = parser.parse_known_args(argv)
    if args.command in passthrough:
        return passthrough[args.command][0](parser_mod.oslo_argv(args)
                                            + rest)
    if rest:
        parser.error(f'unrecognized arguments: {" ".join(rest)}')
    if args.command is None:
        parser.print_help()
        return errors.USAGE
    return run(args)
