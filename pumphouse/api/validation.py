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

"""Validation of request and response bodies with JSON schemas."""

import functools

import jsonschema
import pecan
from oslo_log import log

from pumphouse.api.schemas import validator
from pumphouse.common import exception
from pumphouse.conf import CONF

LOG = log.getLogger(__name__)


#: Checks shared with the command line (see :mod:`.schemas.validator`).
validate = validator.validate


def json_body() -> dict:
    """The request body parsed as a JSON object, or Invalid (400)."""
    raw = pecan.request.body
    if not raw:
        raise exception.Invalid(reason='the request body is empty')
    body = validator.parse_json(raw)
    if not isinstance(body, dict):
        raise exception.Invalid(reason='the body must be a JSON object')
    return body


def query_params(schema: dict) -> dict:
    """The query string as a dict validated against ``schema``.

    Repeated parameters are refused; every value is a string, so schemas
    for numbers use patterns and callers convert.
    """
    params = {}
    for key, value in pecan.request.GET.items():
        if key in params:
            raise exception.Invalid(
                reason=f'query parameter {key} is given more than once')
        params[key] = value
    validate(params, schema)
    return params


def response_body(schema: dict):
    """Check what a controller returns against ``schema``.

    ``[api] response_validation`` decides: ``error`` fails the request
    (tests), ``warn`` logs, ``ignore`` skips the check.
    """
    def decorator(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            result = func(*args, **kwargs)
            mode = CONF.api.response_validation
            if mode != 'ignore':
                try:
                    jsonschema.validate(result, schema)
                except jsonschema.ValidationError as e:
                    if mode == 'error':
                        raise
                    LOG.warning('Response of %(func)s does not match its '
                                'schema: %(err)s',
                                {'func': func.__qualname__,
                                 'err': e.message})
            return result
        return wrapper
    return decorator
