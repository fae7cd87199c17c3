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

"""``/v1/migrations``: workloads moving from a source to a destination.

A migration belongs to the project of the caller who created it. Long work
(planning, applying, verifying) is cast to a conductor; the API answers
202 and the client follows the migration's ``state`` and ``events``.
"""

import pecan
import webob
from oslo_log import log
from oslo_utils import timeutils

from pumphouse.api import method
from pumphouse.api import paging
from pumphouse.api import routing
from pumphouse.api import validation
from pumphouse.api.controllers.v1 import event_stream
from pumphouse.api.controllers.v1 import migration_scope
from pumphouse.api.controllers.v1 import migration_views as views
from pumphouse.api.schemas import validator
from pumphouse.api.schemas.v1 import migrations as schemas
from pumphouse.common import crypto
from pumphouse.common import exception
from pumphouse.common import policy
from pumphouse.db import migration_api
from pumphouse.engine import render
from pumphouse.engine import states

LOG = log.getLogger(__name__)

#: The microversion that brought stack workloads.
STACK_VERSION = (1, 4)


def authorize(action: str, project_id: str | None) -> None:
    policy.authorize(f'pumphouse:migration:{action}',
                     {'project_id': project_id}, pecan.request.context)


def may(action: str, project_id: str | None) -> bool:
    try:
        authorize(action, project_id)
    except exception.Forbidden:
        return False
    return True


def get_authorized(ident: str, action: str):
    """The migration, if the caller may do ``action`` on it.

    Whoever may not even see it gets a 404, as if it did not exist;
    whoever may see it but not do ``action`` gets a 403.
    """
    migration = migration_api.get_migration(ident)
    try:
        authorize(action, migration.project_id)
    except exception.Forbidden:
        if action == 'get' or not may('get', migration.project_id):
            raise exception.MigrationNotFound(migration=ident) from None
        raise
    return migration


def change_state(migration, target: str,
                 override_checks: list[str] | None = None):
    """Start, resume, plan again or cancel a migration; 409 if it cannot.

    Cancelling is a request stored here: whoever holds the migration
    stops before its next item. Every other transition is made by a
    conductor, under the lock of whoever works on the migration.
    """
    uuid = migration.uuid
    if target == states.CANCELLED:
        states.check(uuid, migration.state, target)
        return migration_api.update_migration(
            uuid, {'state': target, 'finished_at': timeutils.utcnow()},
            expected_state=migration.state)
    pecan.request.rpcapi.start_migration(pecan.request.context, uuid,
                                         target, override_checks)
    return migration_api.get_migration(uuid)


class MigrationController(event_stream.EventStreamMixin, routing.Resource):
    """``/v1/migrations/{migration}`` and its sub-resources."""

    children = ('plan', 'state', 'events', 'event-stream', 'report',
                'passwords')
    get_authorized = staticmethod(get_authorized)

    def __init__(self, ident: str) -> None:
        self.ident = ident

    @pecan.expose(generic=True)
    def index(self):
        method.not_allowed()

    @index.when(method='GET', template='json')
    @validation.response_body(schemas.migration)
    @method.expose()
    def get(self) -> dict:
        """Show a migration with the counts of its plan items."""
        return views.detailed_view(get_authorized(self.ident, 'get'))

    @index.when(method='DELETE')
    @method.expose(status_code=204)
    def delete(self) -> None:
        """Delete a migration that is not running."""
        migration = get_authorized(self.ident, 'delete')
        if migration.state in states.ACTIVE_STATES:
            raise exception.MigrationInProgress(migration=migration.uuid,
                                                state=migration.state)
        migration_api.delete_migration(migration.uuid,
                                       refuse_states=states.ACTIVE_STATES)
        LOG.info('Migration %s deleted', migration.uuid)

    @pecan.expose(generic=True)
    def plan(self):
        method.not_allowed()

    @plan.when(method='GET', template='json')
    @validation.response_body(schemas.plan, media_types={
        'text/vnd.graphviz': {'type': 'string'}})
    @validation.query_schema(schemas.plan_query)
    @method.expose()
    def plan_get(self):
        """The plan items and pre-checks of a migration (``format=dot``:
        the plan as a Graphviz graph)."""
        params = validation.query()
        migration = get_authorized(self.ident, 'plan')
        if params.get('format') != 'dot':
            return views.plan_json(migration)
        items = migration_api.list_plan_items(migration.id)
        return webob.Response(text=validator.scrub(render.as_dot(items))
                              + '\n',
                              content_type='text/vnd.graphviz',
                              charset='UTF-8')

    @pecan.expose(generic=True)
    def state(self):
        method.not_allowed()

    @state.when(method='PUT', template='json')
    @validation.response_body(schemas.migration)
    @validation.request_body(schemas.state_request)
    @method.expose(status_code=202, errors=method.CONDUCTOR_ERRORS)
    def state_put(self) -> dict:
        """Start, resume, plan again or cancel a migration."""
        body = validation.body()
        target = body['target']
        action = 'cancel' if target == states.CANCELLED else 'start'
        migration = change_state(get_authorized(self.ident, action), target,
                                 body.get('override_checks'))
        user = pecan.request.context.user_id
        migration_api.add_event(migration.id, 'state',
                                f'{target} requested by user {user}')
        LOG.info('Migration %(uuid)s: %(target)s requested by %(user)s',
                 {'uuid': migration.uuid, 'target': target, 'user': user})
        return views.detailed_view(migration)

    @pecan.expose(generic=True)
    def events(self):
        method.not_allowed()

    @events.when(method='GET', template='json')
    @validation.response_body(schemas.event_list)
    @validation.query_schema(schemas.events_query)
    @method.expose()
    def events_get(self) -> dict:
        """What happened to a migration, a page at a time."""
        params = validation.query()
        migration = get_authorized(self.ident, 'events')
        limit = paging.limit(params)
        events = migration_api.list_events(
            migration.id, limit=limit,
            after_id=int(params['after']) if 'after' in params else None)
        result = {'events': [views.event_view(e) for e in events]}
        if len(events) == limit:
            result['next'] = paging.next_link(
                f'migrations/{migration.uuid}/events', params,
                after=events[-1].id, limit=limit)
        return result

    @pecan.expose(generic=True)
    def report(self):
        method.not_allowed()

    @report.when(method='GET', template='json')
    @validation.response_body(schemas.report)
    @method.expose()
    def report_get(self) -> dict:
        """What verification found once the migration was applied."""
        migration = get_authorized(self.ident, 'report')
        # The column holds {} rather than NULL before verification.
        if not migration.report:
            raise exception.MigrationReportNotFound(migration=migration.uuid)
        return migration.report

    @pecan.expose(generic=True)
    def passwords(self):
        method.not_allowed()

    @passwords.when(method='POST', template='json')
    @validation.response_body(schemas.passwords)
    @method.expose()
    def passwords_post(self) -> dict:
        """The issued passwords, each handed out once (hence a POST)."""
        migration = get_authorized(self.ident, 'passwords')
        rows = migration_api.pop_issued_passwords(migration.id)
        try:
            result = [{'user_id': r.user_destination_id,
                       'source_user_id': r.user_source_id,
                       'name': r.user_name, 'domain_name': r.domain_name,
                       'password': crypto.decrypt(
                           r.secret, what='An issued password',
                           remedy='Restore the key file it was stored '
                                  "with, or reset the user's password in "
                                  'the destination cloud.')['password']}
                      for r in rows]
        except exception.CredentialDecryptError:
            # Nothing is lost: they wait for the key to be restored.
            migration_api.put_back_issued_passwords(migration.id, rows)
            raise
        message = (f'{len(result)} issued password(s) handed out to user '
                   f'{pecan.request.context.user_id}')
        migration_api.add_event(migration.id, 'passwords', message)
        LOG.info('Migration %(uuid)s: %(message)s',
                 {'uuid': migration.uuid, 'message': message})
        pecan.response.headers['Cache-Control'] = 'no-store'
        return {'passwords': result}


class MigrationsController(routing.Resource):
    """``/v1/migrations``: list and create."""

    item_name = 'migration'
    item_description = 'The UUID of a migration.'

    @pecan.expose(generic=True)
    def index(self):
        method.not_allowed()

    @index.when(method='GET', template='json')
    @validation.response_body(schemas.migration_list)
    @validation.query_schema(schemas.list_query)
    @method.expose()
    def get_all(self) -> dict:
        """List the migrations the caller may see, a page at a time."""
        params = validation.query()
        context = pecan.request.context
        authorize('list', context.project_id)
        project_id = (None if may('list_all', context.project_id)
                      else context.project_id)
        limit = paging.limit(params)
        migrations = migration_api.list_migrations(
            project_id=project_id, limit=limit, marker=params.get('marker'),
            sort_key=params.get('sort_key', 'id'),
            sort_dir=params.get('sort_dir', 'asc'),
            states=[params['state']] if 'state' in params else None,
            unread=views.NOT_LISTED)
        result = {'migrations': views.migration_list(migrations,
                                                     views.cloud_uuids())}
        if len(migrations) == limit:
            result['next'] = paging.next_link(
                'migrations', params, limit=limit,
                marker=migrations[-1].uuid)
        return result

    @index.when(method='POST', template='json')
    @validation.response_body(schemas.migration)
    @validation.request_body(schemas.create_request,
                             max_version=(1, 3))
    @validation.request_body(schemas.create_request_1_4,
                             min_version=STACK_VERSION)
    @method.expose(status_code=202, errors=method.CONDUCTOR_ERRORS)
    def create(self) -> dict:
        """Create a migration of a workload; planning starts at once."""
        context = pecan.request.context
        authorize('create', context.project_id)
        body = validation.body()
        workload = migration_scope.workload(context, body)
        if not context.project_id:
            raise exception.Invalid(reason='a migration belongs to a '
                                           'project: use a project-scoped '
                                           'token')
        selection = {'workload': workload,
                     'strategies': body.get('strategies', {}),
                     'supplementary': body.get('supplementary', 'depend')}
        uuid = pecan.request.rpcapi.create_migration(context, {
            'source': body['source'], 'destination': body['destination'],
            'selection': selection, 'options': body.get('options'),
            'project_id': context.project_id, 'user_id': context.user_id,
            'name': body.get('name')})
        migration = migration_api.get_migration(uuid)
        LOG.info('Migration %(uuid)s created by user %(user)s of project '
                 '%(project)s', {'uuid': migration.uuid,
                                 'user': context.user_id,
                                 'project': context.project_id})
        pecan.response.headers['Location'] = method.link(
            'v1', 'migrations', migration.uuid)
        return views.detailed_view(migration)

    def item(self, ident: str) -> MigrationController:
        return MigrationController(ident)
