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

"""The request context passed from the API through RPC to the conductor."""

from oslo_context import context


class RequestContext(context.RequestContext):
    """A request context; the roles decide what the caller may do."""

    def to_policy_values(self) -> dict:
        values = super().to_policy_values()
        values['project_id'] = self.project_id
        return values


def get_admin_context() -> RequestContext:
    """A context for work Pumphouse does on its own behalf."""
    return RequestContext(is_admin=True, roles=['admin', 'member', 'reader'],
                          overwrite=False)


def get_noauth_context(request_id: str | None = None) -> RequestContext:
    """The caller of an API without authentication: an administrator.

    The context becomes the thread's current one, as keystone mode's
    does: log lines of the request carry its request id.
    """
    return RequestContext(user_id='noauth', project_id='noauth',
                          roles=['admin', 'member', 'reader'],
                          is_admin=True, request_id=request_id)
