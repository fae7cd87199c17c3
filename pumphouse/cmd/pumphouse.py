"""pumphouse: the operator's command.

``pumphouse serve`` runs the API and a conductor in one process with an
in-process RPC transport and, unless ``[database] connection`` says
otherwise, an SQLite database under the user's state directory. The schema
is brought to the latest revision on start.
"""

import argparse
import sys

from pumphouse import version
from pumphouse.api import service as api_service
from pumphouse.common import service
from pumphouse.conductor import service as conductor_service
from pumphouse.db import migration

EMBEDDED_DEFAULTS = {
    ('api', 'auth_strategy'): 'noauth',
    (None, 'transport_url'): 'fake:///',
}


def _serve(argv: list[str]) -> int:
    service.prepare_service(['pumphouse', *argv],
                            defaults=EMBEDDED_DEFAULTS)
    migration.upgrade()
    return service.run([conductor_service.ConductorService(),
                        api_service.APIService()])


COMMANDS = {
    'serve': (_serve, 'Run the API and a conductor in one process on '
                      'embedded defaults (SQLite, in-process RPC, no '
                      'authentication on 127.0.0.1:8799).'),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog='pumphouse',
        description='Move workloads between OpenStack clouds.')
    parser.add_argument('--version', action='version',
                        version=f'pumphouse {version.version_string()}')
    sub = parser.add_subparsers(dest='command', metavar='COMMAND')
    for name, (_func, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    return parser


@service.exit_on_error
def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = _parser()
    # Options after the command (--config-file, --debug, ...) belong to
    # oslo.config, which parses them itself.
    args, rest = parser.parse_known_args(argv[:1])
    if args.command is None:
        parser.print_help()
        return 2
    func = COMMANDS[args.command][0]
    return func(argv[1:] + rest)


if __name__ == '__main__':
    sys.exit(main())
