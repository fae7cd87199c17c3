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

"""Takes a host step by step to its target, recording each step.

The host row is the checkpoint: ``state`` is only advanced once a step
finished, so whoever runs the flow next (the same conductor restarted,
another one taking over, the command line again) re-runs the step that was
under way, and the steps are idempotent. A failing step leaves the host
``failed`` with the step recorded and no target; asking for the target
again resumes at that step.

Before a host is disabled its evacuation plan is made (or the one given
with the request is taken) and stored with it; a plan that leaves a server
without a way off the host stops the way there, the host as it was. A
step may also end the way short of the target: an evacuation that leaves
servers on the host by the operator's choice ends ``disabled``.
"""

from collections.abc import Callable

from keystoneauth1 import exceptions as ksa_exc
from openstack import exceptions as sdk_exc
from oslo_log import log

from pumphouse.common import cloud_config
from pumphouse.common import exception
from pumphouse.common import masking
from pumphouse.db import host_api
from pumphouse.hosts import context as context_mod
from pumphouse.hosts import evacuation_plan
from pumphouse.hosts import states
from pumphouse.hosts import steps as steps_mod

LOG = log.getLogger(__name__)

_STEPS: dict[str, Callable] = steps_mod.STEPS


def request(host_ident: str, target: str, owner: str | None = None,
            values: dict | None = None):
    """Give a host a target after checking it can get there (409 if not,
    or while a live owner other than ``owner``, the caller, works on
    it)."""
    def check(host) -> dict:
        states.check_target(host.name, host.state, target, host.failed_step)
        if target == states.IN_DESTINATION:
            missing = [what for what, driver in (
                ('power', host.power_driver),
                ('provision', host.provision_driver)) if not driver]
            if host.destination_cloud_id is None:
                missing.append('destination cloud')
            if host.provision_driver == 'fuel' and not host.macs:
                missing.append('MAC address (Fuel finds the machine by '
                               'it)')
            if missing:
                raise exception.Invalid(
                    reason=f'host {host.name} has no {" or ".join(missing)}'
                           ' registered; register it first')
        options = dict(host.options or {}, **(values or {}).get(
            'options', {}))
        chosen = (options.get(evacuation_plan.CHOICES_OPTION) or {}).values()
        destination = (values or {}).get('destination_cloud_id',
                                         host.destination_cloud_id)
        if (options.get('to_destination') or
                evacuation_plan.TO_DESTINATION in chosen) and \
                destination is None and \
                states.evacuates(host.state, target, host.failed_step):
            raise exception.Invalid(
                reason=f'host {host.name} has no destination cloud to move '
                       'its servers to')
        if states.evacuates(host.state, target, host.failed_step) and \
                'evacuation_plan' not in (values or {}):
            # A new request: a new plan, made when the way starts.
            return {'evacuation_plan': None}
        return {}
    return host_api.set_target(host_ident, target, check, owner=owner,
                               values=values)


class Interrupted(Exception):
    """A step stops short because its owner is to stop (stopping, or the
    host taken over): neither done nor failed, the step is run again by
    whoever runs the host next."""


def run(host_uuid: str, conductor: str | None = None,
        emit: context_mod.Emit = None,
        should_stop: Callable[[], bool] | None = None,
        run_migration: context_mod.RunMigration = None):
    """Run the steps that lead the host to its target; returns the host.

    ``should_stop`` is asked before each step: once it is true the host is
    returned as it is, its target kept, for the take-over; a step that
    raises :class:`Interrupted` is left so too. Raises HostStepFailed
    (after recording it) when a step fails.
    """
    while True:
        host = host_api.get_host(host_uuid)
        if host.target is None:
            return host
        step = states.next_step(host.state, host.target, host.failed_step)
        if step is None:
            host_api.add_operation(host.id, 'done', 'done',
                                   f'{host.name} is {host.target}',
                                   conductor=conductor)
            return host_api.update_host(host_uuid, {'target': None})
        if should_stop is not None and should_stop():
            return host
        if host.state == states.FAILED and step != states.ENABLE:
            resume = states.starts_from(step)
            host_api.update_host(host_uuid, {'state': resume,
                                             'failed_step': None},
                                 expected_state=states.FAILED)
            host_api.add_operation(host.id, step, 'info',
                                   f'resuming at step {step}',
                                   conductor=conductor)
            continue
        try:
            _run_step(host, step, conductor, emit, run_migration)
        except Interrupted:
            return host_api.get_host(host_uuid)


#: Failures a step reports in one line: a traceback is only for the
#: others (a bug).
_EXPECTED_FAILURES = (exception.PumphouseException, ksa_exc.ClientException,
                      sdk_exc.SDKException)


def _run_step(host, step: str, conductor: str | None,
              emit: context_mod.Emit,
              run_migration: context_mod.RunMigration) -> None:
    ctx = context_mod.HostContext(host, step, conductor=conductor,
                                  emit=emit, run_migration=run_migration)
    host_api.add_operation(host.id, step, 'running', f'{step}: started',
                           conductor=conductor)
    if emit is not None:
        emit(step, 'started', 'INFO')
    try:
        stopped = _STEPS[step](ctx)
    except Interrupted as e:
        host_api.add_operation(host.id, step, 'info',
                               f'{step}: interrupted ({e}); run again by '
                               'the take-over', level='WARNING',
                               conductor=conductor)
        if emit is not None:
            emit(step, f'interrupted: {e}', 'WARNING')
        raise
    except exception.EvacuationInfeasible as e:
        message = str(e)[:4000]
        LOG.warning('Host %(host)s: %(err)s', {'host': host.name,
                                                'err': message})
        # Nothing was done: the host stays where it is, with no target.
        host_api.update_host(host.uuid, {'target': None,
                                         'last_error': message})
        host_api.add_operation(host.id, step, 'failed',
                               f'{message}; the host stays {host.state}',
                               level='ERROR', conductor=conductor)
        if emit is not None:
            emit(step, f'failed: {message}', 'ERROR')
        raise
    except Exception as e:
        # Recorded and shown: one short line, said once (a step's own
        # failure is its reason), a URL's credentials masked.
        reason = (e.kwargs.get('reason') if isinstance(
            e, exception.HostStepFailed) else None)
        message = (masking.mask_text(reason) if reason
                   else cloud_config.error_text(e))[:4000]
        LOG.warning('Host %(host)s: step %(step)s failed: %(err)s',
                    {'host': host.name, 'step': step, 'err': message},
                    exc_info=not isinstance(e, _EXPECTED_FAILURES))
        # A failed revert leaves the host where it was.
        failed = ({'target': None} if step == states.ENABLE else
                  {'state': states.FAILED, 'failed_step': step,
                   'target': None})
        host_api.update_host(host.uuid, dict(failed, last_error=message))
        host_api.add_operation(host.id, step, 'failed', message,
                               level='ERROR', conductor=conductor)
        if emit is not None:
            emit(step, f'failed: {message}', 'ERROR')
        if isinstance(e, exception.HostStepFailed):
            raise
        raise exception.HostStepFailed(step=step, host=host.name,
                                       reason=message) from e
    if stopped:
        # The step ends the host's way where it is (``stopped`` says why).
        host_api.update_host(host.uuid, {'target': None, 'failed_step': None,
                                         'last_error': None},
                             expected_state=host.state)
        host_api.add_operation(host.id, step, 'done', f'{step}: done, host '
                               f'stays {host.state}: {stopped}',
                               conductor=conductor)
        if emit is not None:
            emit(step, f'done: {host.state} ({stopped})', 'INFO')
        return
    reached = states.leads_to(step)
    host_api.update_host(host.uuid, {'state': reached, 'failed_step': None,
                                     'last_error': None},
                         expected_state=host.state)
    host_api.add_operation(host.id, step, 'done', f'{step}: done, host is '
                           f'{reached}', conductor=conductor)
    if emit is not None:
        emit(step, f'done: {reached}', 'INFO')
