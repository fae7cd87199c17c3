"""Command line of ``tools/minicloud/minicloud``."""

import argparse
from collections.abc import Sequence

from minicloud_lib import commands

_COMMANDS = {
    "up": (commands.up, "install once, start both clouds, write "
           "clouds.yaml (idempotent)"),
    "down": (commands.down, "stop the processes named by our PID files"),
    "status": (commands.status, "one line per service: up/down and URL"),
}


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the sub-command; return the exit code."""
    parser = argparse.ArgumentParser(
        prog="minicloud",
        description="Two small OpenStack clouds (source, destination) "
        "on loopback for Pumphouse's functional tests.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (_, help_text) in _COMMANDS.items():
        sub.add_parser(name, help=help_text)
    args = parser.parse_args(argv)
    func, _ = _COMMANDS[args.command]
    return func()
