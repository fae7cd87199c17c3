"""What a caller who is not an administrator may migrate.

Clouds are registered with administrative credentials, so a migration can
read and write anything in them. Unless the policy
``pumphouse:migration:create_any_workload`` allows more, a caller may only
migrate their own project, and only what it needs: no ``all`` or
``specific`` strategies and no ``supplementary = all``.
"""

from pumphouse.common import exception
from pumphouse.common import policy

WIDENING_STRATEGIES = ('all', 'specific', 'public')


def check(context, body: dict) -> None:
    """Raise Forbidden when the workload reaches beyond the caller."""
    try:
        policy.authorize('pumphouse:migration:create_any_workload', {},
                         context)
        return
    except exception.Forbidden:
        pass
    workload = body['workload']
    own = {context.project_id, getattr(context, 'project_name', None)}
    if workload['kind'] != 'project' or \
            not set(workload['names']) <= own - {None}:
        raise exception.Forbidden(
            action='pumphouse:migration:create_any_workload (only the '
                   "caller's own project may be migrated)")
    widening = sorted(t for t, s in body.get('strategies', {}).items()
                      if s in WIDENING_STRATEGIES)
    if widening or body.get('supplementary', 'depend') != 'depend':
        raise exception.Forbidden(
            action='pumphouse:migration:create_any_workload (strategies '
                   "reaching beyond the caller's project: "
                   f'{", ".join(widening) or "supplementary=all"})')
