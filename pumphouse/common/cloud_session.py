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

"""The keystoneauth session of every connection Pumphouse makes to a
cloud: a timeout, and bounded retries of what is safe to repeat.

Every request of an openstacksdk connection (its proxies, version
discovery, authentication, the python-ironicclient on its session) goes
through :meth:`CloudSession.request`. A request that fails with a
transient fault (:mod:`pumphouse.common.faults`: the connection failed,
was reset or timed out, or one of ``[clouds] api_retry_statuses``) is
sent again, at most ``[clouds] api_retries`` times, after a pause that
grows exponentially with full jitter (``api_retry_delay`` up to
``api_retry_max_delay``, a ``Retry-After`` honoured within that bound),
when it is safe to repeat:

* GET, HEAD, OPTIONS and DELETE (a DELETE repeated after the cloud did
  it answers 404, which every driver takes as done);
* PUT and PATCH whose body can be sent again: none, bytes, text or JSON;
  never a streamed body such as an image upload (``PUT .../file``), no
  JSON Patch that inserts into an array, removes, moves or copies, and
  none of Neutron's actions sent as PUT (``add_router_interface``...);
* the token request (``POST .../auth/tokens``): a second token creates
  nothing anyone keeps;
* any request whose connection could not even be opened: nothing left.

Any other request, a POST above all, is never sent twice: after a reset
or a timeout the cloud may have acted on it, and keystoneauth's own
``connect_retries`` would create a second server or image. Its failure
goes to the caller; a plan item tried again (:mod:`pumphouse.engine.apply`)
first looks for what its earlier attempt made.

Each retry is told to the connection's :class:`Observer`: an event of the
migration when the engine listens (:func:`observe`), else a WARNING in
the log.

Every request carries the global request id of the work it is done for
(``X-OpenStack-Request-ID``): that of the request context current where
the connection was made (:mod:`pumphouse.common.context`), so a cloud's
logs name the Pumphouse request that caused each call.
"""

import dataclasses
import email.utils
import functools
import re
import time
import urllib.parse
from collections.abc import Callable

import tenacity
from keystoneauth1 import exceptions as ksa_exc
from keystoneauth1 import session as ksa_session
from oslo_log import log

from pumphouse.common import context
from pumphouse.common import faults
from pumphouse.common import masking
from pumphouse.conf import CONF

LOG = log.getLogger(__name__)

#: Methods that change nothing, or the same thing however often sent.
IDEMPOTENT = frozenset({'GET', 'HEAD', 'OPTIONS', 'DELETE', 'PUT', 'PATCH'})
#: Neutron's member actions sent as PUT (``add_router_interface``,
#: ``remove_router_interface``, ``add_extraroutes``...): a second one
#: fails (the interface is there, or gone).
_NEUTRON_ACTION = re.compile(r'^(add|remove)_[a-z_]+$')
#: JSON Patch operations that leave the same document when repeated.
_REPEATABLE_PATCH_OPS = frozenset({'replace', 'test', 'add'})


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """How requests to one cloud are retried (see the module)."""

    retries: int
    delay: float
    max_delay: float
    statuses: frozenset[int]

    @classmethod
    def from_conf(cls, retries: int | None = None) -> 'RetryPolicy':
        """The ``[clouds]`` options; ``retries`` overrides
        ``api_retries``."""
        return cls(retries=(CONF.clouds.api_retries if retries is None
                            else retries),
                   delay=CONF.clouds.api_retry_delay,
                   max_delay=CONF.clouds.api_retry_max_delay,
                   statuses=frozenset(CONF.clouds.api_retry_statuses))

    @property
    def attempts(self) -> int:
        return self.retries + 1


@dataclasses.dataclass(frozen=True)
class Retry:
    """A request that failed and is sent again (or, ``final``, is not:
    the retries are exhausted)."""

    cloud: str
    method: str
    target: str
    fault: str
    attempt: int
    attempts: int
    delay: float = 0.0
    final: bool = False

    @property
    def event_type(self) -> str:
        return 'retries_exhausted' if self.final else 'retry'

    @property
    def message(self) -> str:
        said = f'cloud {self.cloud}: {self.method} {self.target}: {self.fault}'
        if self.final:
            return f'{said}; gave up after {self.attempts} attempts'
        return (f'{said}; attempt {self.attempt}/{self.attempts} in '
                f'{self.delay:.1f} s')


class Observer:
    """Where the retries of the sessions of one connection are told
    (those of its :meth:`connect_as` connections too).

    ``report(retry)`` is set by whoever listens (the engine's context, see
    :func:`observe`); without it, or when it fails, a WARNING is logged.
    """

    def __init__(self, cloud: str) -> None:
        self.cloud = cloud
        self.report: Callable[[Retry], None] | None = None

    def __call__(self, retry: Retry) -> None:
        report = self.report
        if report is not None:
            try:
                report(retry)
                return
            except Exception:  # noqa: BLE001 - telling must not fail a call
                LOG.debug('Could not report a retry', exc_info=True)
        LOG.warning('%s', retry.message)


def observe(connection, report: Callable[[Retry], None] | None) -> bool:
    """Tell the retries of ``connection`` (an openstacksdk connection made
    by :func:`pumphouse.common.cloud_config.connect`) to ``report``
    (None: to the log again); False if it has no :class:`CloudSession`."""
    observer = getattr(getattr(connection, 'session', None),
                       'retry_observer', None)
    if not isinstance(observer, Observer):
        return False
    observer.report = report
    return True


def current_global_request_id() -> str | None:
    """The global request id of the thread's request context: the one
    the caller of the API sent, else that request's own id."""
    ctx = context.current()
    return ctx.global_id if ctx is not None else None


def session_constructor(cloud: str, policy: RetryPolicy,
                        observer: Observer | None = None,
                        global_request_id: str | None = None):
    """What openstacksdk calls to make the sessions of a connection (and
    of the connections :meth:`connect_as` derives from it): a
    :class:`CloudSession` for ``cloud`` with ``policy``, all telling the
    same observer and sending ``global_request_id`` (by default the
    current one, read now: openstacksdk makes sessions when they are
    first used, maybe in another thread)."""
    return functools.partial(
        CloudSession, retry_policy=policy,
        retry_observer=observer or Observer(cloud),
        global_request_id=(global_request_id
                           or current_global_request_id()))


class CloudSession(ksa_session.Session):
    """A keystoneauth session that retries what is safe to repeat (see
    the module) and sends ``global_request_id`` (by default the current
    context's) with every request; keystoneauth's own retries are always
    off."""

    def __init__(self, *args, retry_policy: RetryPolicy | None = None,
                 retry_observer: Observer | None = None,
                 global_request_id: str | None = None, **kwargs) -> None:
        kwargs['connect_retries'] = 0
        super().__init__(*args, **kwargs)
        self.retry_policy = retry_policy or RetryPolicy.from_conf()
        self.retry_observer = retry_observer or Observer('(unnamed)')
        self.global_request_id = (global_request_id
                                  or current_global_request_id())

    def request(self, url, method, **kwargs):
        """keystoneauth's ``request``, with the retries of this module."""
        if kwargs.get('global_request_id') is None:
            kwargs['global_request_id'] = self.global_request_id
        # keystoneauth would send a POST again after a reset: never.
        kwargs['connect_retries'] = 0
        kwargs['status_code_retries'] = 0
        raise_exc = kwargs.pop('raise_exc', True)
        policy = self.retry_policy
        method = method.upper()
        repeatable = may_repeat(method, url, kwargs)
        target = _target(url, kwargs)
        send = functools.partial(super().request, url, method,
                                 raise_exc=False, **kwargs)

        def retry_error(error: BaseException) -> bool:
            return faults.is_transient(error) and (
                repeatable or faults.nothing_sent(error))

        def retry_answer(response) -> bool:
            return repeatable and response.status_code in policy.statuses

        def before_sleep(state: tenacity.RetryCallState) -> None:
            if not state.outcome.failed:
                state.outcome.result().close()  # a streamed answer's socket
            self.retry_observer(Retry(
                self.retry_observer.cloud, method, target,
                _fault(state.outcome), state.attempt_number + 1,
                policy.attempts, state.next_action.sleep))

        def gave_up(state: tenacity.RetryCallState):
            if state.attempt_number > 1:  # else nothing was retried
                self.retry_observer(Retry(
                    self.retry_observer.cloud, method, target,
                    _fault(state.outcome), state.attempt_number,
                    policy.attempts, final=True))
            return state.outcome.result()  # the answer, or raises

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(policy.attempts),
            retry=(tenacity.retry_if_exception(retry_error)
                   | tenacity.retry_if_result(retry_answer)),
            wait=_Wait(policy),
            before_sleep=before_sleep,
            retry_error_callback=gave_up,
            sleep=_sleep)
        response = retrying(send)
        if raise_exc and response.status_code >= 400:
            raise ksa_exc.from_response(response, method, response.url or url)
        return response


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


class _Wait(tenacity.wait.wait_base):
    """Exponential backoff with full jitter; a Retry-After within
    ``max_delay`` is waited for at least."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy
        self.backoff = tenacity.wait_random_exponential(
            multiplier=policy.delay, max=policy.max_delay)

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        delay = self.backoff(retry_state)
        outcome = retry_state.outcome
        if outcome is not None and not outcome.failed:
            asked = retry_after(outcome.result())
            if asked is not None:
                delay = max(delay, asked)
        return min(delay, self.policy.max_delay)


def retry_after(response) -> float | None:
    """Seconds a response's ``Retry-After`` asks to wait (delta-seconds
    or an HTTP date), or None."""
    value = (response.headers.get('Retry-After') or '').strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(when.timestamp() - time.time(), 0.0)


def may_repeat(method: str, url: str, kwargs: dict) -> bool:
    """Whether a request may be sent again after the cloud may have got
    it (see the module)."""
    if not _body_repeatable(kwargs):
        return False
    if method == 'POST':
        path = urllib.parse.urlsplit(url).path.rstrip('/')
        return path.endswith('/auth/tokens')
    if method not in IDEMPOTENT:
        return False
    if method == 'PUT' and _NEUTRON_ACTION.match(
            urllib.parse.urlsplit(url).path.rsplit('/', 1)[-1]):
        return False
    if method == 'PATCH':
        return _patch_repeatable(kwargs.get('json'))
    return True


def _body_repeatable(kwargs: dict) -> bool:
    if kwargs.get('files'):
        return False
    data = kwargs.get('data')
    return data is None or isinstance(data, (bytes, bytearray, str, dict))


def _patch_repeatable(body) -> bool:
    """A JSON Patch (a list of operations) is repeatable when each
    operation leaves the same document however often applied: ``replace``,
    ``test``, and ``add`` of an object member (an insert into an array
    adds one more each time)."""
    if not isinstance(body, list):
        return True  # a merge of values, as Keystone's PATCH
    for operation in body:
        if not isinstance(operation, dict):
            return False
        if operation.get('op') not in _REPEATABLE_PATCH_OPS:
            return False
        last = str(operation.get('path', '')).rsplit('/', 1)[-1]
        if operation.get('op') == 'add' and (last == '-' or last.isdigit()):
            return False  # inserts into an array
    return True


def _target(url: str, kwargs: dict) -> str:
    """The path of a request, without its query (which may carry what is
    not to be shown), with the API it goes to when ``url`` is relative to
    an endpoint."""
    parts = urllib.parse.urlsplit(str(url))
    path = masking.mask_text(parts.path or '/')
    service = (kwargs.get('endpoint_filter') or {}).get('service_type')
    if not parts.netloc and service:
        return f'{path} ({service} API)'
    return path


def _fault(outcome) -> str:
    if outcome.failed:
        return faults.describe(outcome.exception())
    response = outcome.result()
    return f'HTTP {response.status_code} {response.reason or ""}'.rstrip()

