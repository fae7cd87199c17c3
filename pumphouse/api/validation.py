"""Validation of request and response bodies with JSON schemas."""

import functools
import json

import jsonschema
import pecan
from oslo_log import log

from pumphouse.common import exception
from pumphouse.conf import CONF

LOG = log.getLogger(__name__)


def _message(error: jsonschema.ValidationError) -> str:
    where = '/'.join(str(p) for p in error.absolute_path)
    if error.validator == 'additionalProperties':
        return error.message.replace('Additional properties',
                                     'Unknown field(s)')
    if where:
        return f'{where}: {error.message}'
    return error.message


def validate(instance, schema: dict) -> None:
    """Raise Invalid (400) with a readable message unless valid."""
    validator = jsonschema.Draft202012Validator(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
    if error is not None:
        raise exception.Invalid(reason=_message(error))


def json_body() -> dict:
    """The request body parsed as a JSON object, or Invalid (400)."""
    raw = pecan.request.body
    if not raw:
        raise exception.Invalid(reason='the request body is empty')
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as e:
        raise exception.Invalid(reason=f'malformed JSON: {e}') from e
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
