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

"""``/v1/hosts``: source hypervisors and their way to the destination
(microversion 1.1); their evacuation plans (1.2)."""

import pecan
from oslo_log import log

from pumphouse.api import method
from pumphouse.api import paging
from pumphouse.api import routing
from pumphouse.api import validation
from pumphouse.api.schemas.v1 import hosts as schemas
from pumphouse.common import exception
from pumphouse.common import policy
from pumphouse.db import api as db_api
from pumphouse.db import host_api
from pumphouse.hosts import evacuation_plan as plan_mod
from pumphouse.hosts import states
from pumphouse.hosts import views

LOG = log.getLogger(__name__)
MIN_VERSION = (1, 1)
#: Evacuation plans, and the per-server choices of an evacuation.
PLAN_VERSION = (1, 2)


def _authorize(action: str) -> None:
    policy.authorize(f'pumphouse:host:{action}', {}, pecan.request.context)


def host_view(host, clouds: dict | None = None) -> dict:
    view = views.view(host, clouds)
    view['links'] = [{'href': method.link('v1', 'hosts', host.uuid),
                      'rel': 'self'}]
    return view


class HostController(routing.Resource):
    """``/v1/hosts/{host}``, by UUID or name."""

    children = ('state', 'operations', 'evacuation-plan')

    def __init__(self, ident: str) -> None:
        self.ident = ident

    @pecan.expose(generic=True)
    def index(self):
        method.not_allowed()

    @index.when(method='GET', template='json')
    @validation.response_body(schemas.host)
    @method.expose(min_version=MIN_VERSION)
    def get(self) -> dict:
        """Show a host."""
        _authorize('get')
        return host_view(host_api.get_host(self.ident))

    @index.when(method='PATCH', template='json')
    @validation.response_body(schemas.host)
    @validation.request_body(schemas.update_request)
    @method.expose(min_version=MIN_VERSION, errors=method.CONDUCTOR_ERRORS)
    def patch(self) -> dict:
        """Change a host's destination, drivers, MACs or options."""
        _authorize('create')
        body = validation.body()
        host = host_api.get_host(self.ident)
        pecan.request.rpcapi.update_host(pecan.request.context, host.uuid,
                                         body)
        host = host_api.get_host(host.uuid)
        LOG.info('Host %(name)s (%(uuid)s) updated',
                 {'name': host.name, 'uuid': host.uuid})
        return host_view(host)

    @index.when(method='DELETE')
    @validation.query_schema(schemas.delete_query)
    @method.expose(status_code=204, min_version=MIN_VERSION)
    def delete(self) -> None:
        """Forget a host (``force``: in any state)."""
        _authorize('delete')
        params = validation.query()
        host = host_api.get_host(self.ident)
        host_api.delete_host(host.uuid, only_in=None
                             if params.get('force') == 'true'
                             else states.FORGETTABLE)
        LOG.info('Host %(name)s (%(uuid)s) forgotten',
                 {'name': host.name, 'uuid': host.uuid})

    @pecan.expose(generic=True)
    def state(self):
        method.not_allowed()

    @state.when(method='PUT', template='json')
    @validation.response_body(schemas.host)
    @validation.request_body(schemas.state_request,
                             max_version=(1, 1))
    @validation.request_body(schemas.state_request_1_2,
                             min_version=PLAN_VERSION)
    @method.expose(status_code=202, min_version=MIN_VERSION,
                   errors=method.CONDUCTOR_ERRORS)
    def put_state(self) -> dict:
        """Move a host towards a target state (evacuate it, put it in
        the destination, give it back to the source)."""
        _authorize('set_state')
        body = validation.body()
        host = host_api.get_host(self.ident)
        values = {}
        options = dict(host.options or {})
        if 'to_destination' in body:
            options['to_destination'] = body['to_destination']
        if 'servers' in body:
            # Replaces the choices of an earlier request; none given, they
            # stay (a resumed evacuation keeps them).
            options[plan_mod.CHOICES_OPTION] = body['servers']
        if options != dict(host.options or {}):
            values['options'] = options
        pecan.request.rpcapi.set_host_target(pecan.request.context,
                                             host.uuid, body['target'],
                                             values)
        host = host_api.get_host(host.uuid)
        LOG.info('Host %(name)s (%(uuid)s) goes to %(target)s',
                 {'name': host.name, 'uuid': host.uuid,
                  'target': body['target']})
        pecan.request.rpcapi.reassign_host(pecan.request.context, host.uuid)
        return host_view(host)

    @pecan.expose(generic=True, route='evacuation-plan')
    def evacuation_plan(self):
        method.not_allowed()

    @evacuation_plan.when(method='GET', template='json')
    @validation.response_body(schemas.evacuation_plan_view)
    @method.expose(min_version=PLAN_VERSION)
    def get_evacuation_plan(self) -> dict:
        """The plan the host's evacuation follows (or followed)."""
        _authorize('get')
        host = host_api.get_host(self.ident)
        if not host.evacuation_plan:
            raise exception.EvacuationPlanNotFound(host=host.name)
        return self._plan_view(host, host.evacuation_plan)

    @evacuation_plan.when(method='POST', template='json')
    @validation.response_body(schemas.evacuation_plan_view)
    @validation.request_body(schemas.plan_request, optional=True)
    @method.expose(min_version=PLAN_VERSION, errors={
        503: 'the source cloud could not be read, or no conductor '
             'answered in time.'})
    def post_evacuation_plan(self) -> dict:
        """A dry run: the plan an evacuation would follow now, with the
        choices given; nothing is stored or changed."""
        _authorize('get')
        body = validation.body()
        host = host_api.get_host(self.ident)
        plan = pecan.request.rpcapi.plan_host_evacuation(
            pecan.request.context, host.uuid, target=body.get('target'),
            choices=body.get('servers'),
            to_destination=body.get('to_destination'))
        return self._plan_view(host, plan)

    def _plan_view(self, host, plan: dict) -> dict:
        return dict(plan, links=[
            {'href': method.link('v1', 'hosts', host.uuid,
                                 'evacuation-plan'), 'rel': 'self'},
            {'href': method.link('v1', 'hosts', host.uuid), 'rel': 'up'}])

    @pecan.expose(generic=True)
    def operations(self):
        method.not_allowed()

    @operations.when(method='GET', template='json')
    @validation.response_body(schemas.operation_list)
    @validation.query_schema(schemas.operations_query)
    @method.expose(min_version=MIN_VERSION)
    def get_operations(self) -> dict:
        """What was done to the host, step by step."""
        _authorize('get')
        params = validation.query()
        host = host_api.get_host(self.ident)
        rows = host_api.list_operations(
            host.id, after_id=int(params['after']) if 'after' in params
            else None, limit=paging.limit(params))
        return {'operations': [views.operation_view(r) for r in rows]}


class HostsController(routing.Resource):
    """``/v1/hosts``: list and register."""

    item_name = 'host'
    item_description = 'The UUID or the name of a host.'

    @pecan.expose(generic=True)
    def index(self):
        method.not_allowed()

    @index.when(method='GET', template='json')
    @validation.response_body(schemas.host_list)
    @validation.query_schema(schemas.list_query)
    @method.expose(min_version=MIN_VERSION)
    def get_all(self) -> dict:
        """List the hosts, a page at a time."""
        _authorize('get')
        params = validation.query()
        limit = paging.limit(params)
        source = (db_api.get_cloud(params['source']).id
                  if 'source' in params else None)
        hosts = host_api.list_hosts(source_cloud_id=source, limit=limit,
                                    marker=params.get('marker'),
                                    sort_key=params.get('sort_key', 'id'),
                                    sort_dir=params.get('sort_dir', 'asc'))
        clouds = {c.id: c.name for c in db_api.list_clouds()}
        result = {'hosts': [host_view(h, clouds) for h in hosts]}
        if len(hosts) == limit:
            result['next'] = paging.next_link('hosts', params, limit=limit,
                                              marker=hosts[-1].uuid)
        return result

    @index.when(method='POST', template='json')
    @validation.response_body(schemas.host)
    @validation.request_body(schemas.register_request)
    @method.expose(status_code=201, min_version=MIN_VERSION,
                   errors=method.CONDUCTOR_ERRORS)
    def create(self) -> dict:
        """Register a source hypervisor host."""
        _authorize('create')
        body = validation.body()
        host = host_api.get_host(pecan.request.rpcapi.register_host(
            pecan.request.context, body))
        LOG.info('Host %(name)s (%(uuid)s) registered',
                 {'name': host.name, 'uuid': host.uuid})
        pecan.response.headers['Location'] = method.link('v1', 'hosts',
                                                         host.uuid)
        return host_view(host)

    def item(self, ident: str) -> HostController:
        return HostController(ident)
