#!/usr/bin/env python3
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

"""Check or add the Apache 2.0 license header of Python files.

::

    tools/license_headers.py            # list the files without it (exit 1)
    tools/license_headers.py --fix      # add it to them

The header goes first, after a ``#!`` line and an encoding line; empty
files (package markers) stay empty. The unit test
``pumphouse/tests/unit/test_license_headers.py`` runs the check.
"""

import argparse
import pathlib
import re
import sys

HEADER = '''\
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
'''

REPO = pathlib.Path(__file__).resolve().parent.parent
#: The directories (and files) whose Python files carry the header.
DEFAULT_PATHS = ('pumphouse', 'tools', 'doc', 'api-ref', 'releasenotes',
                 'setup.py')
#: Directories never looked into: caches, builds, virtualenvs.
SKIPPED_DIRS = frozenset({'__pycache__', 'build', 'dist', 'node_modules'})
#: Where in a file the header must start to count.
HEAD_LINES = 20
_MARK = 'Licensed under the Apache License, Version 2.0'
_ENCODING = re.compile(r'^#.*coding[:=]')


def python_files(paths: list[pathlib.Path]) -> list[pathlib.Path]:
    """The ``*.py`` files under ``paths``, hidden directories left out."""
    found = []
    for path in paths:
        if path.is_file():
            found.append(path)
            continue
        for candidate in path.rglob('*.py'):
            parts = candidate.relative_to(path).parts[:-1]
            if any(p.startswith('.') or p in SKIPPED_DIRS or
                   p.endswith('.egg-info') for p in parts):
                continue
            found.append(candidate)
    return sorted(found)


def has_header(text: str) -> bool:
    """Whether ``text`` is empty or has the header in its first lines."""
    if not text.strip():
        return True
    return _MARK in ''.join(text.splitlines(keepends=True)[:HEAD_LINES])


def with_header(text: str) -> str:
    """``text`` with the header after its ``#!`` and encoding lines."""
    lines = text.splitlines(keepends=True)
    keep = 0
    if lines and lines[0].startswith('#!'):
        keep = 1
    if len(lines) > keep and _ENCODING.match(lines[keep]):
        keep += 1
    head, rest = lines[:keep], lines[keep:]
    while rest and not rest[0].strip():
        rest.pop(0)
    return ''.join(head) + HEADER + ('\n' if rest else '') + ''.join(rest)


def missing(paths: list[pathlib.Path]) -> list[pathlib.Path]:
    """The files of ``paths`` without the header."""
    return [f for f in python_files(paths)
            if not has_header(f.read_text(encoding='utf-8'))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--fix', action='store_true',
                        help='Add the header where it is missing.')
    parser.add_argument('paths', nargs='*', type=pathlib.Path,
                        help='Files or directories (default: '
                             f'{" ".join(DEFAULT_PATHS)} of the '
                             'repository).')
    args = parser.parse_args(argv)
    paths = args.paths or [REPO / p for p in DEFAULT_PATHS]
    lacking = missing(paths)
    for path in lacking:
        if args.fix:
            path.write_text(with_header(path.read_text(encoding='utf-8')),
                            encoding='utf-8')
            print(f'added the license header to {path}')
        else:
            print(f'{path}: no Apache 2.0 license header')
    return 1 if lacking and not args.fix else 0


if __name__ == '__main__':
    sys.exit(main())
