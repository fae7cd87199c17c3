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

"""What a caller who is not an administrator may migrate.

Clouds are registered with administrative credentials, so a migration can
read and write anything in them. Unless the policy
``pumphouse:migration:create_any_workload`` allows more, a caller may only
migrate the project their token is scoped to, and only what it needs: no
``all`` or ``specific`` strategies and no ``supplementary = all``.

The project is the token's by id and domain: Pumphouse authenticates its
callers with the source cloud's Keystone, so the token's project is the
source project. A name in the request is only accepted when it is the
token's project's, and the migration records the project's id and domain
id, so that a same-named project of another domain is never the one
migrated.
"""

from pumphouse.common import exception
from pumphouse.common import policy

WIDENING_STRATEGIES = ('all', 'specific', 'public')
_ANY = 'pumphouse:migration:create_any_workload'


def _refuse(why: str) -> exception.Forbidden:
    return exception.Forbidden(action=f'{_ANY} ({why})')


def workload(context, body: dict) -> dict:
    """The workload to record for the request ``body``.

    Raises Forbidden when it reaches beyond the caller. For a caller the
    policy allows any workload, the request's; for the others, their own
    project by id, in its domain (by id).
    """
    requested = body['workload']
    try:
        policy.authorize(_ANY, {}, context)
        return requested
    except exception.Forbidden:
        pass
    own_names = {context.project_id, context.project_name} - {None}
    own_domains = {context.project_domain_id,
                   context.project_domain_name} - {None}
    if requested['kind'] != 'project' or \
            not set(requested['names']) <= own_names:
        raise _refuse("only the caller's own project may be migrated")
    if not context.project_id or not context.project_domain_id:
        raise _refuse('the token names no project and domain')
    if requested.get('domain', context.project_domain_id) not in own_domains:
        raise _refuse("only the caller's own project may be migrated, in "
                      'its own domain')
    widening = sorted(t for t, s in body.get('strategies', {}).items()
                      if s in WIDENING_STRATEGIES)
    if widening or body.get('supplementary', 'depend') != 'depend':
        raise _refuse("strategies reaching beyond the caller's project: "
                      f'{", ".join(widening) or "supplementary=all"}')
    scoped = {'kind': 'project', 'names': [context.project_id],
              'domain': context.project_domain_id}
    if requested.get('hosts'):
        scoped['hosts'] = list(requested['hosts'])
    return scoped
