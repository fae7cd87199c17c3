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

"""``fuel``: a Fuel master (Nailgun) deploys the host into one of its
environments.

The machine, booted from the network by its power driver, is discovered
by Fuel's bootstrap image. The driver waits for a node with one of the
machine's MACs, assigns it to the environment with its roles, names it
as the machine (the name its nova-compute joins with), lays out its
disks and NICs (from a template, or copied from a compute node of
the environment) and deploys the changes, then waits for Fuel's task and
for the node to be ``ready``. Every step looks at what Fuel has first: a
node already ``ready`` in the environment with its roles is done, and one
being provisioned or deployed is waited on through the running task.

Nailgun is reached through a keystoneauth session that authenticates
with Fuel's Keystone; the password never leaves the session.
"""

import time
from typing import Any

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import generic
from oslo_log import log

from pumphouse.common import cloud_session
from pumphouse.common import exception
from pumphouse.common import masking
from pumphouse.conf import CONF
from pumphouse.drivers.hardware.provision import base

LOG = log.getLogger(__name__)

#: Node statuses of a node Fuel is installing.
BUSY = ('provisioning', 'provisioned', 'deploying')
#: Names of the tasks that install nodes: the deploy super-task and its
#: sub-tasks.
DEPLOY_TASKS = ('deploy', 'provision', 'deployment')
RUNNING = ('pending', 'running')

_NAME = {'type': 'string', 'minLength': 1, 'maxLength': 255}
_ID_OR_NAME = {'oneOf': [{'type': 'integer', 'minimum': 1}, _NAME]}
#: A layout as Nailgun shows it (GET /api/nodes/ID/disks and .../interfaces,
#: or fuelclient's disks.yaml and interfaces.yaml): disks by name with
#: their volumes, NICs by name with the names of their networks.
TEMPLATE_SCHEMA = {
    'type': 'object',
    'properties': {
        'disks': {'type': 'array', 'items': {
            'type': 'object',
            'properties': {
                'name': _NAME,
                'volumes': {'type': 'array', 'items': {
                    'type': 'object',
                    'properties': {'name': _NAME,
                                   'size': {'type': 'integer',
                                            'minimum': 0}},
                    'required': ['name', 'size']}},
            },
            'required': ['name', 'volumes']}},
        'interfaces': {'type': 'array', 'items': {
            'type': 'object',
            'properties': {
                'name': _NAME,
                'assigned_networks': {'type': 'array', 'items': {
                    'oneOf': [_NAME, {'type': 'object',
                                      'properties': {'name': _NAME},
                                      'required': ['name']}]}},
            },
            'required': ['name', 'assigned_networks']}},
    },
    'additionalProperties': False,
    'minProperties': 1,
}
LAYOUT_SCHEMA = {'oneOf': [
    {'type': 'object', 'properties': {'template': TEMPLATE_SCHEMA},
     'required': ['template'], 'additionalProperties': False},
    {'type': 'object', 'properties': {'copy_from': _ID_OR_NAME},
     'required': ['copy_from'], 'additionalProperties': False},
]}


class LayoutError(ValueError):
    """The layout does not fit the node."""


class FuelError(Exception):
    """Nailgun answered a request with an error."""

    def __init__(self, method: str, path: str, status: int, message: str):
        super().__init__(f'{method} {path}: HTTP {status}: {message}')
        self.status = status


class Nailgun:
    """The Nailgun REST API of a Fuel master, through a keystoneauth
    session."""

    def __init__(self, session: ks_session.Session, url: str) -> None:
        self.session = session
        self.url = url.rstrip('/')

    def request(self, method: str, path: str, body: Any = None,
                **query: Any) -> Any:
        """JSON of ``method /api/path``; FuelError if Nailgun refuses."""
        url = f'{self.url}/api/{path}'
        kwargs = {'params': query} if query else {}
        if body is not None:
            kwargs['json'] = body
        resp = self.session.request(url, method, raise_exc=False,
                                    headers={'Accept': 'application/json'},
                                    **kwargs)
        if resp.status_code >= 400:
            raise FuelError(method, f'/api/{path}', resp.status_code,
                            _message(resp))
        return resp.json() if resp.content else None

    def get(self, path: str, **query: Any) -> Any:
        return self.request('GET', path, **query)

    def put(self, path: str, body: Any) -> Any:
        return self.request('PUT', path, body)

    def post(self, path: str, body: Any) -> Any:
        return self.request('POST', path, body)


class FuelProvisionDriver(base.ProvisionDriver):
    """Deploys the machine as a node of a Fuel environment."""

    name = 'fuel'
    secret_keys = ('auth',)
    info_schema = {
        'type': 'object',
        'properties': {
            'url': {'type': 'string', 'pattern': '^https?://.+'},
            'auth': {
                'type': 'object',
                'properties': {
                    'auth_url': {'type': 'string',
                                 'pattern': '^https?://.+'},
                    'username': _NAME,
                    'password': {'type': 'string', 'maxLength': 255},
                    'project_name': _NAME,
                    'user_domain_name': _NAME,
                    'project_domain_name': _NAME,
                },
                'required': ['auth_url', 'username', 'password'],
                'additionalProperties': False,
            },
            'cluster': _ID_OR_NAME,
            'roles': {'type': 'array', 'items': _NAME, 'minItems': 1,
                      'uniqueItems': True},
            'layout': LAYOUT_SCHEMA,
            'insecure': {'type': 'boolean'},
        },
        'required': ['url', 'auth', 'cluster'],
        'additionalProperties': False,
    }

    def describe(self, info):
        shown = super().describe(info)
        if 'auth' in info:
            shown['auth'] = masking.mask({
                key: value for key, value in info['auth'].items()
                if key != 'password'})
        return shown

    def provision(self, machine):
        info = machine.provision_info
        auth = info['auth']
        nailgun = Nailgun(_session(info), info['url'])
        try:
            _Deployment(self, nailgun, machine).run()
        except ks_exc.Unauthorized:
            raise self.error(
                machine, f'Fuel\'s Keystone at {auth["auth_url"]} refused '
                         f'the credentials of user {auth["username"]}'
            ) from None
        except ks_exc.ClientException as e:
            raise self.error(machine, f'cannot reach Fuel at {info["url"]} '
                                      f'or its Keystone: {e}') from None
        except FuelError as e:
            raise self.error(machine, f'Nailgun refused {e}') from None


class _Deployment:
    """One walk of the machine's Fuel node to ``ready``."""

    def __init__(self, driver: FuelProvisionDriver, nailgun: Nailgun,
                 machine: base.Machine) -> None:
        self.driver = driver
        self.nailgun = nailgun
        self.machine = machine
        self.info = machine.provision_info
        self.roles = list(self.info.get('roles', ['compute']))
        self.deadline = time.monotonic() + CONF.hardware.provision_timeout
        self.seen: tuple | None = None

    def run(self) -> None:
        if not self.machine.macs:
            raise self._failed('Fuel nodes are found by MAC and the host '
                               'has none registered')
        cluster = self._cluster()
        node = self._discovered_node()
        name = _label(node)
        if node['cluster'] not in (None, cluster['id']):
            raise self._failed(f'Fuel node {name} is in environment '
                               f'{node["cluster"]}, not {cluster["id"]}')
        if self._done(node, cluster):
            self.machine.event(f'Fuel node {name} is ready in environment '
                               f'{cluster["name"]}.')
            return
        if node['status'] == 'error':
            raise self._node_error(node)
        if node['status'] not in BUSY:
            self._assign(node, cluster)
            self._name(node)
            self._lay_out(node, cluster)
        task = self._running_task(cluster)
        if task is None:
            task = self.nailgun.put(f'clusters/{cluster["id"]}/changes', {})
            LOG.info('Fuel task %(task)s deploys environment %(cluster)s '
                     'for host %(host)s',
                     {'task': task['id'], 'cluster': cluster['id'],
                      'host': self.machine.name})
            self.machine.event(f'Fuel: deploying the changes of environment '
                               f'{cluster["name"]} (task {task["id"]}).')
        self._wait_task(task)
        self._wait_ready(node, cluster)

    def _cluster(self) -> dict:
        wanted = self.info['cluster']
        for cluster in self.nailgun.get('clusters'):
            if wanted in (cluster['id'], cluster['name'], str(cluster['id'])):
                return cluster
        raise self._failed(f'Fuel has no environment {wanted}')

    def _discovered_node(self) -> dict:
        """The node with one of the machine's MACs, once Fuel has it."""
        macs = {mac.lower() for mac in self.machine.macs}
        waiting = False
        while True:
            found = [node for node in self.nailgun.get('nodes')
                     if macs & _macs(node)]
            if len(found) > 1:
                raise self._failed(
                    'the MACs match several Fuel nodes: '
                    + ', '.join(_label(node) for node in found))
            if found and (found[0]['status'] != 'discover'
                          or found[0]['online']):
                return found[0]
            if not waiting:
                waiting = True
                self.machine.event(
                    f'Fuel: waiting for a node with MAC '
                    f'{", ".join(self.machine.macs)} to be discovered.')
            self._sleep('no node with the machine\'s MACs was discovered '
                        'by Fuel')

    def _done(self, node: dict, cluster: dict) -> bool:
        return (node['status'] == 'ready' and node['cluster'] == cluster['id']
                and set(self.roles) <= set(node['roles'])
                and not node['pending_addition'])

    def _assign(self, node: dict, cluster: dict) -> None:
        """The node in the environment with the roles, unless it is."""
        if (node['cluster'] == cluster['id'] and set(self.roles)
                <= set(node['roles']) | set(node['pending_roles'])):
            return
        if node['cluster'] is None:
            self.nailgun.post(f'clusters/{cluster["id"]}/assignment',
                              [{'id': node['id'], 'roles': self.roles}])
        else:
            self.nailgun.put('nodes', [{
                'id': node['id'], 'cluster_id': cluster['id'],
                'pending_roles': self.roles, 'pending_addition': True}])
        LOG.info('Fuel node %(node)s assigned to environment %(cluster)s '
                 'for host %(host)s',
                 {'node': node['id'], 'cluster': cluster['id'],
                  'host': self.machine.name})
        self.machine.event(f'Fuel node {_label(node)}: added to environment '
                           f'{cluster["name"]} as {", ".join(self.roles)}.')

    def _name(self, node: dict) -> None:
        """The host name Fuel gives the node (``node-ID`` by default) is
        the machine's: the name its nova-compute joins the destination
        with."""
        if node.get('hostname') != self.machine.name:
            self.nailgun.put(f'nodes/{node["id"]}',
                             {'hostname': self.machine.name})
            self.machine.event(f'Fuel node {_label(node)}: host name set '
                               f'to {self.machine.name}.')

    def _lay_out(self, node: dict, cluster: dict) -> None:
        """Disks and NICs of the node as the layout says."""
        layout = self.info.get('layout')
        if not layout:
            return
        if 'copy_from' in layout:
            reference = self._reference(cluster, layout['copy_from'])
            source = f'node {_label(reference)}'
            template = {
                'disks': self.nailgun.get(f'nodes/{reference["id"]}/disks'),
                'interfaces': self.nailgun.get(
                    f'nodes/{reference["id"]}/interfaces')}
        else:
            source = 'the template'
            template = layout['template']
        try:
            for what, lay_out in (('disks', _laid_out_disks),
                                  ('interfaces', _laid_out_nics)):
                if what in template:
                    path = f'nodes/{node["id"]}/{what}'
                    self.nailgun.put(path, lay_out(self.nailgun.get(path),
                                                   template[what]))
        except LayoutError as e:
            raise self._failed(f'the layout of {source} does not fit Fuel '
                               f'node {_label(node)}: {e}') from None
        self.machine.event(f'Fuel node {_label(node)}: disks and NICs laid '
                           f'out like {source}.')

    def _reference(self, cluster: dict, wanted: int | str) -> dict:
        """The node of the environment to copy the layout from."""
        for node in self.nailgun.get('nodes', cluster_id=cluster['id']):
            if wanted in (node['id'], node.get('hostname'), node.get('name')):
                return node
        raise self._failed(f'environment {cluster["name"]} has no node '
                           f'{wanted} to copy the layout from')

    def _running_task(self, cluster: dict) -> dict | None:
        """The environment's running deploy task, if there is one (the
        super-task rather than its sub-tasks)."""
        running = [task for task in
                   self.nailgun.get('tasks', cluster_id=cluster['id'])
                   if task['name'] in DEPLOY_TASKS
                   and task['status'] in RUNNING]
        running.sort(key=lambda task: DEPLOY_TASKS.index(task['name']))
        if running:
            self.machine.event(f'Fuel: waiting for the running '
                               f'{running[0]["name"]} task '
                               f'{running[0]["id"]}.')
        return running[0] if running else None

    def _wait_task(self, task: dict) -> None:
        while task['status'] != 'ready':
            if task['status'] == 'error':
                raise self._failed(f'Fuel task {task["name"]} '
                                   f'{task["id"]} failed: '
                                   f'{task.get("message") or "no message"}')
            self._report(('task', task['id'], task['status'],
                          task.get('progress')),
                         f'Fuel task {task["name"]} {task["id"]} is '
                         f'{task["status"]} ({task.get("progress", 0)}%).')
            self._sleep(f'Fuel task {task["name"]} {task["id"]} is still '
                        f'{task["status"]}')
            task = self.nailgun.get(f'tasks/{task["id"]}')

    def _wait_ready(self, node: dict, cluster: dict) -> None:
        while True:
            node = self.nailgun.get(f'nodes/{node["id"]}')
            if self._done(node, cluster):
                self.machine.event(f'Fuel node {_label(node)} is ready.')
                return
            if node['status'] == 'error':
                raise self._node_error(node)
            self._report(('node', node['status']),
                         f'Fuel node {_label(node)} is {node["status"]}.')
            self._sleep(f'Fuel node {_label(node)} is still '
                        f'{node["status"]}')

    def _report(self, seen: tuple, message: str) -> None:
        if seen != self.seen:
            self.seen = seen
            self.machine.event(message)

    def _sleep(self, what: str) -> None:
        """Wait a poll interval, or fail with ``what`` past the deadline."""
        if time.monotonic() >= self.deadline:
            raise self._failed(f'{what} after '
                               f'{CONF.hardware.provision_timeout} s')
        time.sleep(CONF.hardware.provision_poll_interval)

    def _node_error(self, node: dict) -> exception.ProvisionError:
        return self._failed(f'Fuel node {_label(node)} is in error '
                            f'({node.get("error_type") or "no error type"})')

    def _failed(self, reason: str) -> exception.ProvisionError:
        return self.driver.error(self.machine, reason)


def _session(info: dict) -> ks_session.Session:
    auth = info['auth']
    plugin = generic.Password(
        auth_url=auth['auth_url'], username=auth['username'],
        password=auth['password'], project_name=auth.get('project_name'),
        user_domain_name=auth.get('user_domain_name'),
        project_domain_name=auth.get('project_domain_name'))
    # Timeout and retries of a cloud's session ([clouds] options).
    return cloud_session.CloudSession(
        auth=plugin, verify=not info.get('insecure', False),
        timeout=CONF.clouds.api_timeout,
        retry_observer=cloud_session.Observer(
            f'Fuel {masking.mask_text(info["url"])}'))


def _laid_out_disks(disks: list[dict], template: list[dict]) -> list[dict]:
    """The node's disks with the volumes of the template's disk of the
    same name."""
    wanted = {disk['name']: disk['volumes'] for disk in template}
    missing = set(wanted) - {disk['name'] for disk in disks}
    if missing:
        raise LayoutError(f'it has no disk {", ".join(sorted(missing))}')
    return [dict(disk, volumes=[dict(volume)
                                for volume in wanted[disk['name']]])
            if disk['name'] in wanted else disk
            for disk in disks]


def _laid_out_nics(nics: list[dict], template: list[dict]) -> list[dict]:
    """The node's NICs with the networks of the template's NIC of the
    same name; a network the template places is taken off the others."""
    networks = {net['name']: net
                for nic in nics for net in nic['assigned_networks']}
    wanted = {nic['name']: [net if isinstance(net, str) else net['name']
                            for net in nic['assigned_networks']]
              for nic in template}
    missing = set(wanted) - {nic['name'] for nic in nics}
    if missing:
        raise LayoutError(f'it has no NIC {", ".join(sorted(missing))}')
    placed = {net for names in wanted.values() for net in names}
    unknown = placed - set(networks)
    if unknown:
        raise LayoutError(f'it has no network {", ".join(sorted(unknown))}')
    return [dict(nic, assigned_networks=[networks[net]
                                         for net in wanted[nic['name']]])
            if nic['name'] in wanted else
            dict(nic, assigned_networks=[
                net for net in nic['assigned_networks']
                if net['name'] not in placed])
            for nic in nics]


def _macs(node: dict) -> set[str]:
    """The node's MACs, lower case: its PXE MAC and its NICs'."""
    macs = {iface['mac'] for iface in node.get('meta', {}).get(
        'interfaces', []) if iface.get('mac')}
    if node.get('mac'):
        macs.add(node['mac'])
    return {mac.lower() for mac in macs}


def _label(node: dict) -> str:
    return f'{node["id"]} ({node.get("hostname") or node.get("mac")})'


def _message(resp: Any) -> str:
    """Nailgun's error message, or the start of its answer."""
    try:
        body = resp.json()
    except ValueError:
        return resp.text[:200]
    if isinstance(body, dict) and body.get('message'):
        return str(body['message'])
    return str(body)[:200]
