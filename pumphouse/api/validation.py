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

"""Request and response JSON schemas, declared at the route.

The decorators go between ``@pecan.expose``/``.when`` and
:func:`.method.expose`; they write the operation's
:class:`~.contract.Contract`. :func:`body` and :func:`query` check what
the request sends against it when the controller asks for them: the
controller decides what comes first (its policy check, usually).
"""

import functools
import threading

import jsonschema
import pecan
import webob
from oslo_log import log

from pumphouse.api import contract
from pumphouse.api import versions
from pumphouse.api.schemas import validator
from pumphouse.common import exception
from pumphouse.conf import CONF

LOG = log.getLogger(__name__)

#: The query string of an operation that declares none.
NO_QUERY = {'type': 'object', 'additionalProperties': False}

#: Checks shared with the command line (see :mod:`.schemas.validator`).
validate = validator.validate


def request_body(schema: dict, *,
                 min_version: contract.Version = versions.MIN_VERSION,
                 max_version: contract.Version = versions.MAX_VERSION,
                 optional: bool = False):
    """Declare the JSON object the operation takes from ``min_version``
    to ``max_version`` (stacked for each range); ``optional``: the body
    may be left out, as if it were ``{}``."""
    def decorator(func):
        declared = contract.declared(func)
        declared.bodies.append(contract.Body(schema, min_version,
                                             max_version))
        declared.body_optional = optional
        return func
    return decorator


def query_schema(schema: dict):
    """Declare the query string the operation takes (every value a
    string: schemas of numbers use patterns, and callers convert)."""
    def decorator(func):
        contract.declared(func).query = schema
        return func
    return decorator


def json_body() -> dict:
    """The request body parsed as a JSON object, or Invalid (400)."""
    raw = pecan.request.body
    if not raw:
        raise exception.Invalid(reason='the request body is empty')
    body = validator.parse_json(raw)
    if not isinstance(body, dict):
        raise exception.Invalid(reason='the body must be a JSON object')
    return body


def body() -> dict:
    """The request body, valid for the schema the operation declares for
    the requested microversion, or Invalid (400); one that only a later
    microversion takes is refused naming it."""
    declared = contract.current()
    if declared.body_optional and not pecan.request.body:
        return {}
    parsed = json_body()
    version = pecan.request.version
    schema = declared.body_schema(version)
    if schema is None:
        raise exception.Invalid(reason='this operation takes no body in '
                                       'this microversion')
    try:
        validate(parsed, schema)
    except exception.Invalid as e:
        needed = _later_version(declared, version, parsed)
        if needed is None:
            raise
        asked, needed = (versions.format_version(version),
                         versions.format_version(needed))
        raise exception.Invalid(
            reason=f'{e.kwargs.get("reason", e)} in microversion {asked}; '
                   f'this body needs microversion {needed} (header '
                   f'{versions.HEADER}: {versions.SERVICE_TYPE} '
                   f'{needed})') from None
    return parsed


def _later_version(declared: contract.Contract, version: contract.Version,
                   parsed: dict) -> contract.Version | None:
    """The first microversion after ``version`` whose body schema takes
    ``parsed``, if one does: what a request that is only refused for
    asking an older microversion is told to ask for."""
    for later in sorted(declared.bodies, key=lambda b: b.min_version):
        if later.min_version <= version:
            continue
        try:
            validate(parsed, later.schema)
        except exception.Invalid:
            continue
        return later.min_version
    return None


def query() -> dict:
    """The query string as a dict, valid for the schema the operation
    declares (none: no parameter), or Invalid (400).

    Repeated parameters are refused.
    """
    params = {}
    for key, value in pecan.request.GET.items():
        if key in params:
            raise exception.Invalid(
                reason=f'query parameter {key} is given more than once')
        params[key] = value
    validate(params, contract.current().query or NO_QUERY)
    return params


class _ResponseChecker:
    """``jsonschema.validate(instance, schema)`` without checking the
    schema itself on every response: that check, against the
    meta-schema, cost most of a small request's time (profiled: about
    90 % of ``GET /``); it runs once, by one thread, on first use (the
    first requests come at once: it ran in 12 of 16 threads at once when
    the API started under load)."""

    def __init__(self, schema: dict) -> None:
        self.schema = schema
        self._validator = None
        self._lock = threading.Lock()

    def _prepare(self):
        with self._lock:
            if self._validator is None:
                cls = jsonschema.validators.validator_for(self.schema)
                cls.check_schema(self.schema)
                self._validator = cls(self.schema)
            return self._validator

    def validate(self, instance) -> None:
        validator = self._validator or self._prepare()
        error = jsonschema.exceptions.best_match(
            validator.iter_errors(instance))
        if error is not None:
            raise error


def response_body(schema: dict, media_types: dict | None = None):
    """Declare and check the JSON the operation answers with.

    ``media_types`` maps other media types the operation may answer with
    (as a ``webob.Response``, not checked) to their schemas. ``[api]
    response_validation`` decides: ``error`` fails the request (tests),
    ``warn`` logs, ``ignore`` skips the check.
    """
    def decorator(func):
        declared = contract.declared(func)
        declared.response = schema
        declared.media_types.update(media_types or {})
        checker = _ResponseChecker(schema)

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            result = func(*args, **kwargs)
            mode = CONF.api.response_validation
            if mode != 'ignore' and not isinstance(result, webob.Response):
                try:
                    checker.validate(result)
                except jsonschema.ValidationError as e:
                    if mode == 'error':
                        raise
                    LOG.warning('Response of %(func)s does not match its '
                                'schema: %(err)s',
                                {'func': func.__qualname__,
                                 'err': validator.scrub(e.message)})
            return result
        return wrapper
    return decorator
