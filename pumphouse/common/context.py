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

"""The request context passed from the API through RPC to the conductor.

A context is the *current* one of the thread it is made in (oslo.context
keeps it in a thread-local store): oslo.log puts its ``request_id`` and
``global_request_id`` in every log line of that thread, and the
connections to clouds made there send its global request id
(:attr:`RequestContext.global_id`) as ``X-OpenStack-Request-ID``. Work
handed to another thread carries it along (:func:`carried`,
:class:`ContextThreadPoolExecutor`); work Pumphouse starts on its own
(a take-over, the ``pumphouse`` command) gets a context of its own
(:func:`for_work`), with a request id of its own.
"""

import functools
from collections.abc import Callable

import futurist
from oslo_context import context


class RequestContext(context.RequestContext):
    """A request context; the roles decide what the caller may do."""

    def to_policy_values(self) -> dict:
        values = super().to_policy_values()
        values['project_id'] = self.project_id
        return values

    def redacted_copy(self, **kwargs) -> 'RequestContext':
        """A copy without tokens (oslo.messaging sends one with each
        notification) that, unlike oslo.context's, does not become the
        thread's current context."""
        kwargs.setdefault('overwrite', False)
        return super().redacted_copy(**kwargs)


def get_admin_context() -> RequestContext:
    """A context for work Pumphouse does on its own behalf."""
    return RequestContext(is_admin=True, roles=['admin', 'member', 'reader'],
                          overwrite=False)


def get_noauth_context(request_id: str | None = None,
                       global_request_id: str | None = None
                       ) -> RequestContext:
    """The caller of an API without authentication: an administrator.

    The context becomes the thread's current one, as keystone mode's
    does: log lines of the request carry its request ids.
    """
    return RequestContext(user_id='noauth', project_id='noauth',
                          roles=['admin', 'member', 'reader'],
                          is_admin=True, request_id=request_id,
                          global_request_id=global_request_id)


def current() -> context.RequestContext | None:
    """The thread's current context, if any."""
    return context.get_current()


def for_work(ctx: context.RequestContext | None = None
             ) -> context.RequestContext:
    """Make the context a piece of work runs in the thread's current one:
    ``ctx`` (the request that asked for the work), else the current one,
    else a new one of Pumphouse's own, with a request id of its own."""
    ctx = ctx or current() or get_admin_context()
    ctx.update_store()
    return ctx


def carried(func: Callable) -> Callable:
    """``func``, to run in another thread with the caller's context."""
    ctx = current()

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if ctx is not None:
            ctx.update_store()
        return func(*args, **kwargs)
    return wrapper


class ContextThreadPoolExecutor(futurist.ThreadPoolExecutor):
    """A thread pool whose work runs in the context of whoever submitted
    it (taskflow's parallel engine submits the tasks of a migration)."""

    def submit(self, fn, *args, **kwargs):
        return super().submit(carried(fn), *args, **kwargs)
