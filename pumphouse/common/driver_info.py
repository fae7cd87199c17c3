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

"""Reading a hardware driver's info on a command line (``pumphouse host``
and ``openstack migration host``): a YAML/JSON file and ``KEY=VALUE``
items, without ever echoing what may be a secret."""

import json
from typing import TextIO

import yaml

from pumphouse.common import masking


class InfoError(ValueError):
    """Unusable info; the message never quotes the input."""


def is_secret(key: str) -> bool:
    """Whether an info key holds a secret: never shown, always kept as
    the string given."""
    return masking.is_secret_key(key)


def value(key: str, text: str):
    """A KEY=VALUE value: JSON when it parses (``port=623`` is a number);
    a secret such as a password always stays the string given."""
    if is_secret(key):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def load_file(path: str, what: str, stdin: TextIO | None = None) -> dict:
    """The mapping a YAML or JSON info file holds; given ``stdin``, the
    path ``-`` reads it from there."""
    try:
        if path == '-' and stdin is not None:
            loaded = yaml.safe_load(stdin)
        else:
            with open(path) as f:
                loaded = yaml.safe_load(f)
    except OSError as e:
        raise InfoError(f'cannot read --{what}-info-file {path}: '
                        f'{e.strerror or e}') from None
    except yaml.YAMLError as e:
        # The parser's message may quote the file: never show it.
        mark = getattr(e, 'problem_mark', None)
        where = f', line {mark.line + 1}' if mark else ''
        problem = getattr(e, 'problem', None) or 'not YAML or JSON'
        raise InfoError(f'--{what}-info-file {path}{where}: '
                        f'{problem}') from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise InfoError(f'--{what}-info-file {path} must hold a mapping')
    return loaded


def parse_pairs(pairs: list[str], what: str) -> dict:
    """``KEY=VALUE`` items as a mapping."""
    info = {}
    for pair in pairs or ():
        key, sep, text = pair.partition('=')
        if not sep or not key:
            # The item may be a mistyped secret: never echo it.
            raise InfoError(f'--{what}-info is given as KEY=VALUE (an item '
                            'has no ' + ('key' if sep else '=') + ')')
        info[key] = value(key, text)
    return info
