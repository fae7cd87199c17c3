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

"""Checking what callers send against the JSON schemas.

The API and the command line (``pumphouse host register``) both check
with these functions, so that one schema says what is valid wherever a
value enters. Nothing here needs Pecan: the commands import it without
loading the web stack.
"""

import json
import re
import typing

import jsonschema
from oslo_utils import uuidutils

from pumphouse.common import exception
from pumphouse.common import masking

#: JSON nested deeper than this is refused before it is parsed: Python's
#: parser (and every walk of the result) recurses once per level.
MAX_JSON_DEPTH = 64

#: A string (to the end of the text when it is not closed: a match never
#: fails, so scanning stays linear) or a bracket.
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]', re.DOTALL)
_SURROGATE = re.compile('[\ud800-\udfff]')

FORMATS = jsonschema.FormatChecker(formats=())


@FORMATS.checks('pumphouse-name', raises=ValueError)
def _is_name(value) -> bool:
    """Names are looked up where UUIDs are: one cannot look like a UUID."""
    if isinstance(value, str) and uuidutils.is_uuid_like(value):
        raise ValueError('a name cannot be a UUID')
    return True


def json_depth(text: str) -> int:
    """How deeply arrays and objects nest in the JSON ``text``, counted
    without recursion (brackets inside strings do not count)."""
    depth = deepest = 0
    for token in _JSON_TOKEN.findall(text):
        if token in ('[', '{'):
            depth += 1
            deepest = max(deepest, depth)
        elif token in (']', '}'):
            depth -= 1
    return deepest


def check_json_depth(text: str) -> None:
    """Invalid (400) when ``text`` nests deeper than MAX_JSON_DEPTH."""
    if json_depth(text) > MAX_JSON_DEPTH:
        raise exception.Invalid(
            reason=f'the JSON body nests arrays and objects deeper than '
                   f'{MAX_JSON_DEPTH} levels')


def decode(raw: bytes) -> str:
    """``raw`` as UTF-8 text, or Invalid (400) saying where it is not."""
    try:
        return raw.decode('utf-8')
    except UnicodeDecodeError as e:
        raise exception.Invalid(
            reason=f'the body is not valid UTF-8: {e.reason} at byte '
                   f'{e.start}') from None


def parse_json(raw: bytes) -> typing.Any:
    """``raw`` (UTF-8 JSON) parsed, or Invalid (400) saying why not."""
    text = decode(raw)
    check_json_depth(text)
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as e:
        raise exception.Invalid(reason=f'malformed JSON: {e}') from None


def _strings(instance) -> typing.Iterator[tuple[list, str]]:
    """Every string of ``instance`` (keys included) with where it is,
    walked without recursion."""
    stack = [([], instance)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            yield path, value
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str):
                    yield path, key
                stack.append(([*path, key], item))
        elif isinstance(value, (list, tuple)):
            stack.extend(([*path, i], item) for i, item in enumerate(value))


def check_text(instance) -> None:
    """Invalid (400) when a string of ``instance`` holds a lone surrogate
    (``"\\ud800"`` in JSON: not text, no database nor terminal takes it)
    or a NUL character (PostgreSQL refuses it)."""
    for path, text in _strings(instance):
        where = '/'.join(str(p) for p in path)
        where = f'{where}: ' if where else ''
        if _SURROGATE.search(text):
            raise exception.Invalid(
                reason=f'{where}a string holds a lone UTF-16 surrogate '
                       '(not a Unicode character)')
        if '\x00' in text:
            raise exception.Invalid(
                reason=f'{where}a string holds a NUL character')


def scrub(value):
    """``value`` with every lone surrogate replaced by U+FFFD, for
    answers made of what was stored before such input was refused."""
    if isinstance(value, str):
        return _SURROGATE.sub('\ufffd', value)
    if isinstance(value, dict):
        return {scrub(k): scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


def _message(error: jsonschema.ValidationError) -> str:
    """What is wrong, never quoting a secret: jsonschema's messages quote
    the value, so a value under a password-like key is not quoted, and
    credentials in any quoted text (a URL's user and password) are
    masked."""
    where = '/'.join(str(p) for p in error.absolute_path)
    if any(masking.is_secret_key(p) for p in error.absolute_path):
        return f'{where}: the value does not satisfy "{error.validator}"'
    message = masking.mask_text(error.message)
    if error.validator == 'additionalProperties':
        return message.replace('Additional properties', 'Unknown field(s)')
    if error.validator == 'format' and error.cause is not None:
        message = masking.mask_text(f'{error.instance!r}: {error.cause}')
    elif error.validator == 'pattern' and 'description' in error.schema:
        message = masking.mask_text(
            f'{error.instance!r} is not valid: '
            f'{error.schema["description"]}')
    if where:
        return f'{where}: {message}'
    return message


def validate(instance, schema: dict) -> None:
    """Raise Invalid (400) with a readable message unless ``instance``
    is text throughout (:func:`check_text`) and valid for ``schema``."""
    check_text(instance)
    validator = jsonschema.Draft202012Validator(schema,
                                                format_checker=FORMATS)
    error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
    if error is not None:
        raise exception.Invalid(reason=_message(error))
