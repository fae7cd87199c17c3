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

"""Which failures of a cloud are transient, and which are expected.

A *transient* fault says nothing about the request: the connection
failed, was reset or timed out, or the cloud (or a proxy in front of
it) answered one of ``[clouds] api_retry_statuses``. The same request,
or the same plan item, may well succeed when tried again. Whether it
*may* be tried again is another matter, decided by the caller: a POST
the cloud may have acted on is never sent twice
(:mod:`pumphouse.common.cloud_session`), a plan item is tried again by
looking first for what its earlier attempt made
(:mod:`pumphouse.engine.apply`).

An *expected* failure is one of the clouds or of the request (anything
above, an HTTP error, an error of Pumphouse's own): it is logged without
a traceback.
"""

import re

import requests
from keystoneauth1 import exceptions as ksa_exc
from openstack import exceptions as sdk_exc
from urllib3 import exceptions as urllib3_exc

from pumphouse.common import exception
from pumphouse.common import masking
from pumphouse.conf import CONF

#: An URL's query (a ``?`` to the next space), left out of what is shown.
_QUERY = re.compile(r'(https?://[^\s?]*)\?\S*')

#: Failures of the clouds or of the request, logged without a traceback.
EXPECTED_ERRORS = (exception.PumphouseException, ksa_exc.ClientException,
                   sdk_exc.SDKException, requests.RequestException)


def transient_statuses() -> frozenset[int]:
    """The HTTP statuses that are transient faults (``[clouds]
    api_retry_statuses``)."""
    return frozenset(CONF.clouds.api_retry_statuses)


def status_of(error: BaseException) -> int | None:
    """The HTTP status an error carries, if any."""
    if isinstance(error, sdk_exc.HttpException):
        return error.status_code
    if isinstance(error, ksa_exc.HttpError):
        return error.http_status
    return None


def _transient_itself(error: BaseException) -> bool:
    status = status_of(error)
    if status is not None:
        return status in transient_statuses()
    if isinstance(error, (ksa_exc.SSLError, requests.exceptions.SSLError,
                          urllib3_exc.SSLError)):
        return False  # a certificate does not fix itself
    return isinstance(error, (
        # keystoneauth: ConnectFailure, ConnectTimeout (read timeouts too).
        ksa_exc.RetriableConnectionFailure,
        # Raised while a streamed body is read or sent (image data).
        requests.exceptions.ConnectionError, requests.exceptions.Timeout,
        requests.exceptions.ChunkedEncodingError,
        urllib3_exc.ProtocolError, urllib3_exc.TimeoutError,
        # ConnectionResetError, BrokenPipeError, RemoteDisconnected...
        ConnectionError, TimeoutError))


def is_transient(error: BaseException) -> bool:
    """Whether ``error`` is a transient fault of a cloud, or was caused
    by one (``raise ... from`` a transient fault; keystoneauth's
    UnknownConnectionError around one)."""
    seen = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _transient_itself(current):
            return True
        following = current.__cause__
        if following is None and isinstance(
                current, ksa_exc.UnknownConnectionError):
            following = current.__context__
        current = following
    return False


def is_expected(error: BaseException) -> bool:
    """Whether ``error`` is a failure of a cloud or of the request,
    logged without a traceback."""
    return isinstance(error, EXPECTED_ERRORS) or is_transient(error)


def describe(error: BaseException) -> str:
    """A transient fault in a few words: ``503 Service Unavailable``,
    ``connection reset``, ``no answer within 60 s``."""
    status = status_of(error)
    if status is not None:
        return f'HTTP {status}'
    reason = _root(error)
    if isinstance(reason, (ConnectionRefusedError,
                           urllib3_exc.NewConnectionError)):
        return 'connection refused'
    if isinstance(reason, (requests.exceptions.ConnectTimeout,
                           urllib3_exc.ConnectTimeoutError)):
        return 'timed out connecting'
    if isinstance(reason, (requests.exceptions.Timeout,
                           urllib3_exc.TimeoutError, TimeoutError)) or \
            isinstance(error, ksa_exc.ConnectTimeout):
        return 'timed out waiting for the answer'
    if isinstance(reason, (ConnectionError, urllib3_exc.ProtocolError)):
        return 'connection reset or closed'
    if isinstance(error, ksa_exc.ConnectFailure):
        return 'connection failed'
    # The queries of URLs in the text may hold what is not to be shown.
    return _QUERY.sub(r'\1', masking.mask_text(f'{type(error).__name__}: '
                                                 f'{error}'))


def _root(error: BaseException) -> BaseException:
    """The innermost exception under ``error`` (causes, contexts, and
    the reasons urllib3 and requests wrap)."""
    seen, current = set(), error
    while id(current) not in seen:
        seen.add(id(current))
        inner = (getattr(current, 'reason', None)
                 if isinstance(current, urllib3_exc.MaxRetryError) else None)
        if inner is None and current.args and isinstance(
                current.args[0], BaseException):
            inner = current.args[0]
        inner = inner or current.__cause__ or current.__context__
        if not isinstance(inner, BaseException):
            return current
        current = inner
    return current


def nothing_sent(error: BaseException) -> bool:
    """Whether the request never left: the connection could not be
    opened (refused, no route, name not resolved, connect timeout). Only
    then may a request that is not safe to repeat be sent again."""
    seen, current = set(), error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (requests.exceptions.ConnectTimeout,
                                urllib3_exc.NewConnectionError,
                                urllib3_exc.ConnectTimeoutError)):
            return True
        if isinstance(current, (urllib3_exc.ProtocolError,
                                urllib3_exc.ReadTimeoutError,
                                requests.exceptions.ReadTimeout)):
            return False  # sent, or maybe sent
        inner = (current.reason
                 if isinstance(current, urllib3_exc.MaxRetryError) else None)
        if inner is None and current.args and isinstance(
                current.args[0], BaseException):
            inner = current.args[0]
        current = inner or current.__cause__ or current.__context__
    return False
