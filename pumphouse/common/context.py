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
