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

"""The calls Pumphouse makes to Heat, as plain REST requests.

openstacksdk's stack resources do not serve here: ``get_stack`` and
``find_stack`` treat an ``ADOPT_COMPLETE`` stack as not found, and the
SDK has no call for a stack's export or for a preview with adopt data.
Every path is relative to the connection's orchestration endpoint
(``/v1/<project of the token>``).

An admin token reaches any project's stack by id (Heat looks a stack up
by id for an admin whatever the project in the path), but lists only its
own project's stacks: listing another project's takes a token scoped to
it (:func:`pumphouse.drivers.resources.scoped.source_in`).
"""

import json
import time
from collections.abc import Callable
from typing import Any

from keystoneauth1 import exceptions as ks_exc
from openstack import exceptions as sdk_exc

from pumphouse.common import exception

#: Statuses of a stack Heat has finished with successfully.
COMPLETE = '_COMPLETE'
#: How often a stack being adopted is read again, in seconds.
POLL_INTERVAL = 2.0
#: A template with nothing in it, for the preview that asks the
#: destination whether it adopts stacks.
_EMPTY_TEMPLATE = {'heat_template_version': '2015-04-30'}


def available(conn) -> bool:
    """Whether the cloud's catalog has Heat."""
    try:
        return bool(conn.endpoint_for('orchestration'))
    except (ks_exc.EndpointNotFound, sdk_exc.EndpointNotFound):
        return False


def _json(response) -> dict:
    sdk_exc.raise_from_response(response)
    return response.json()


def project_stacks(conn) -> list[dict]:
    """The top-level stacks of the token's project (not the nested
    ones), following Heat's pages."""
    stacks: list[dict] = []
    params: dict[str, Any] = {'limit': 200}
    while True:
        page = _json(conn.orchestration.get('/stacks', params=params))
        found = page.get('stacks') or []
        stacks.extend(found)
        if len(found) < params['limit']:
            return stacks
        params = dict(params, marker=found[-1]['id'])


def get(conn, stack_id: str) -> dict | None:
    """A stack by id (any project, for an admin), None when Heat has
    none or it is deleted."""
    response = conn.orchestration.get(f'/stacks/{stack_id}')
    if response.status_code == 404:
        return None
    stack = _json(response)['stack']
    if stack.get('stack_status') == 'DELETE_COMPLETE':
        return None
    return stack


def export(conn, name: str, stack_id: str) -> dict:
    """The stack as Heat abandons it, without abandoning it (template,
    environment, files, resources with their physical ids and data)."""
    return _json(conn.orchestration.get(
        f'/stacks/{name}/{stack_id}/export'))


def listed_document(conn, stack: dict) -> dict:
    """The stack as an export document, made from what Heat shows of it
    where it does not export stacks (``enable_stack_abandon`` off): its
    template, environment and files, and its resources from the
    listings, nested stacks walked into. Heat's private data of a
    resource is not shown, save a random string's value (read from its
    attributes)."""
    name, stack_id = stack['stack_name'], stack['id']
    base = f'/stacks/{name}/{stack_id}'
    action, _, status = (stack.get('stack_status') or '_').partition('_')
    return {
        'name': name, 'id': stack_id, 'action': action, 'status': status,
        'template': _json(conn.orchestration.get(f'{base}/template')),
        'environment': _json(conn.orchestration.get(f'{base}/environment')),
        'files': _json(conn.orchestration.get(f'{base}/files')),
        'resources': _listed_resources(conn, name, stack_id),
        'project_id': parameters_all(stack).get('OS::project_id'),
        'tags': stack.get('tags'),
    }


def _listed_resources(conn, name: str, stack_id: str) -> dict:
    base = f'/stacks/{name}/{stack_id}/resources'
    found = {}
    for resource in _json(conn.orchestration.get(base))['resources']:
        resource_name = resource['resource_name']
        nested = _nested(resource)
        if nested is not None:
            found[resource_name] = {
                'name': resource_name,
                'resources': _listed_resources(conn, *nested)}
            continue
        action, _, status = (resource.get('resource_status')
                             or '_').partition('_')
        entry = {'name': resource_name,
                 'type': resource.get('resource_type'),
                 'resource_id': resource.get('physical_resource_id') or None,
                 'action': action, 'status': status, 'metadata': {},
                 'resource_data': {}}
        if entry['type'] == 'OS::Heat::RandomString':
            shown = _json(conn.orchestration.get(
                f'{base}/{resource_name}'))['resource']
            value = (shown.get('attributes') or {}).get('value')
            if value is not None:
                entry['resource_data'] = {'value': value}
        found[resource_name] = entry
    return found


def leaf_resources(conn, name: str, stack_id: str,
                   path: tuple[str, ...] = ()) -> dict[str, dict]:
    """Every resource of the stack that is not itself a stack, by its
    path from the top (``workers/0/server``): type and physical id.

    A resource that holds a nested stack (a template resource, a
    resource group) is walked into instead of listed.
    """
    found: dict[str, dict] = {}
    listing = _json(conn.orchestration.get(
        f'/stacks/{name}/{stack_id}/resources'))['resources']
    for resource in listing:
        here = (*path, resource['resource_name'])
        nested = _nested(resource)
        if nested is not None:
            found.update(leaf_resources(conn, *nested, here))
            continue
        found['/'.join(here)] = {
            'type': resource.get('resource_type'),
            'id': resource.get('physical_resource_id') or None}
    return found


def _nested(resource: dict) -> tuple[str, str] | None:
    """``(name, id)`` of the stack a resource holds, from its links."""
    for link in resource.get('links') or ():
        if link.get('rel') == 'nested':
            parts = link['href'].rstrip('/').split('/')
            return parts[-2], parts[-1]
    return None


def adopt(conn, name: str, document: dict, timeout_minutes: int) -> str:
    """Ask Heat to adopt a stack from ``document`` (an export with its
    physical ids translated); the new stack's id. Heat adopts it in the
    background: see :func:`wait`."""
    body = {
        'stack_name': name,
        'adopt_stack_data': json.dumps(document),
        'files': document.get('files') or {},
        'environment': document.get('environment') or {},
        'disable_rollback': True,
        'timeout_mins': timeout_minutes,
    }
    if document.get('tags'):
        body['tags'] = ','.join(document['tags'])
    return _json(conn.orchestration.post('/stacks', json=body))[
        'stack']['id']


def abandon(conn, name: str, stack_id: str) -> None:
    """Make Heat forget the stack, leaving every resource of it where it
    is; a stack already gone is not an error."""
    response = conn.orchestration.delete(
        f'/stacks/{name}/{stack_id}/abandon')
    if response.status_code != 404:
        sdk_exc.raise_from_response(response)


def adopt_refused(conn) -> str | None:
    """Why the cloud's Heat would refuse to adopt a stack (adopting is
    off, ``enable_stack_adopt = false``), or None when it adopts.

    Asked with a preview of an empty stack given as adopt data, which
    Heat checks like an adopt and creates nothing for.
    """
    body = {'stack_name': 'pumphouse-adopt-probe',
            'adopt_stack_data': json.dumps({'template': _EMPTY_TEMPLATE,
                                            'resources': {},
                                            'environment': {}}),
            'template': _EMPTY_TEMPLATE}
    response = conn.orchestration.post('/stacks/preview', json=body)
    if response.status_code < 400:
        return None
    try:
        sdk_exc.raise_from_response(response)
    except sdk_exc.HttpException as e:
        return str(e.details or e.message or e)
    return f'HTTP {response.status_code}'


def wait(conn, stack_id: str, timeout: float,
         sleep: Callable[[float], None] = time.sleep) -> dict:
    """Wait until Heat is done with the stack; the stack, complete.

    Raises when it fails, disappears or is not done in ``timeout``
    seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        stack = get(conn, stack_id)
        if stack is None:
            raise exception.PumphouseException(
                f'stack {stack_id} disappeared from the destination while '
                'Heat adopted it')
        status = stack.get('stack_status') or ''
        if status.endswith(COMPLETE):
            return stack
        if not status.endswith('_IN_PROGRESS'):
            raise exception.PumphouseException(
                f'stack {stack["stack_name"]} is {status} in the '
                f'destination: {stack.get("stack_status_reason")}')
        if time.monotonic() > deadline:
            raise exception.PumphouseException(
                f'stack {stack["stack_name"]} still {status} after '
                f'{timeout:.0f}s ([timeouts] stack_adopt)')
        sleep(POLL_INTERVAL)


def wait_gone(conn, stack_id: str, timeout: float,
              sleep: Callable[[float], None] = time.sleep) -> None:
    """Wait until the stack is gone (abandoned or deleted)."""
    deadline = time.monotonic() + timeout
    while get(conn, stack_id) is not None:
        if time.monotonic() > deadline:
            raise exception.PumphouseException(
                f'stack {stack_id} still there {timeout:.0f}s after it was '
                'abandoned')
        sleep(POLL_INTERVAL)


def parameters_all(stack: dict) -> dict:
    """The stack's parameters, Heat's own (``OS::project_id``) too."""
    return dict(stack.get('parameters') or {})


def parameters(stack: dict) -> dict:
    """The stack's parameters without Heat's own (``OS::stack_id``)."""
    return {k: v for k, v in parameters_all(stack).items()
            if not k.startswith('OS::')}


def outputs(stack: dict) -> dict:
    """The stack's outputs by key (their values as Heat resolves them)."""
    return {o['output_key']: o.get('output_value')
            for o in stack.get('outputs') or ()}
