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

"""``plan``, ``migrate``, ``resume`` and ``verify``: the commands that work
on clouds, as the process's own conductor (:mod:`pumphouse.cli.local`)."""

import argparse
import sys

from oslo_log import log
from oslo_utils import timeutils

from pumphouse.cli import clouds
from pumphouse.cli import errors
from pumphouse.cli import local
from pumphouse.cli import output
from pumphouse.cli import progress
from pumphouse.common import durations
from pumphouse.common import exception
from pumphouse.conductor import migration_work
from pumphouse.conf import CONF
from pumphouse.db import migration_api
from pumphouse.engine import checks
from pumphouse.engine import estimate
from pumphouse.engine import registry
from pumphouse.engine import render
from pumphouse.engine import selection as selection_mod
from pumphouse.engine import states

LOG = log.getLogger(__name__)

#: The owner of the migrations the command line makes (the API stores a
#: Keystone project id there).
PROJECT_ID = 'local'


def selection_from_args(args: argparse.Namespace) -> dict:
    """The selection (workload and strategies) the arguments describe."""
    if args.project and args.kind != 'stack':
        raise errors.CommandError(
            '--project names the project of the stacks of a stack '
            'workload; for a whole project write: project PROJECT',
            errors.USAGE)
    if args.domain and args.kind != 'project' and not args.project:
        raise errors.CommandError(
            '--domain names the domain of the projects of a project '
            'workload, or of the --project of a stack workload',
            errors.USAGE)
    if args.hosts and args.kind != 'project':
        raise errors.CommandError(
            '--host limits a project workload to the servers on that '
            'host; for all servers of a host write: host HOSTNAME',
            errors.USAGE)
    workload = {'kind': args.kind, 'names': list(args.names)}
    if args.domain:
        workload['domain'] = args.domain
    if args.hosts:
        workload['hosts'] = list(args.hosts)
    if args.project:
        workload['project'] = args.project
    selection = {'workload': workload, 'strategies': dict(args.strategy),
                 'supplementary': args.supplementary}
    selection_mod.Selection.from_dict(selection).validate(
        registry.load_drivers())
    return selection


def options_from_args(args: argparse.Namespace) -> dict:
    """The migration options the arguments choose."""
    options = {'conflict_resolution': args.on_conflict,
               'password_mode': (args.password_mode
                                 or CONF.identity.password_mode)}
    if args.rename_suffix:
        options['rename_suffix'] = args.rename_suffix
    if args.override_checks:
        options['override_checks'] = sorted(set(args.override_checks))
    for option, value in (('server_stop_mode', args.stop_mode),
                          ('server_data_mode', args.data_mode),
                          ('server_cutover', args.cutover)):
        if value:
            options[option] = value
    return options


def _create_and_plan(args: argparse.Namespace, info,
                     here: local.LocalConductor):
    selection = selection_from_args(args)
    options = options_from_args(args)
    source = clouds.ensure_cloud(args.source)
    destination = clouds.ensure_cloud(args.destination)
    # Held by this process from the start: no conductor plans it.
    migration = migration_work.create({
        'source': source.uuid, 'destination': destination.uuid,
        'selection': selection, 'options': options,
        'project_id': PROJECT_ID, 'name': args.name}, owner=here.name)
    print(f'Migration {migration.uuid}: planning '
          f'{output.workload_text(selection)} from {source.name} to '
          f'{destination.name}', file=info, flush=True)
    return here.migration(migration.uuid, expected=(states.PLANNING,),
                          plan_only=True, emit=progress.event_lines(info))


def require_terminal_or_yes(args: argparse.Namespace, what: str) -> None:
    """Refuse to go on unattended without ``--yes``."""
    if getattr(args, 'dry_run', False) or args.yes or sys.stdin.isatty():
        return
    raise errors.CommandError(
        f'Refusing to {what} without confirmation: standard input is not '
        'a terminal. Add --yes to go ahead'
        + (', or --dry-run to only plan.' if hasattr(args, 'dry_run')
           else '.'), errors.USAGE)


def confirm(question: str) -> bool:
    """Ask a yes/no question on the terminal; no is the default."""
    try:
        answer = input(f'{question} [y/N] ')
    except EOFError:
        return False
    return answer.strip().lower() in ('y', 'yes')


def _refuse_conflicts(items) -> None:
    found = [i for i in items if i.action == 'conflict']
    if found:
        raise errors.CommandError(
            f'The plan has {len(found)} conflict(s) with what the '
            'destination has (listed above); nothing was changed. Plan '
            'again with --on-conflict reuse or rename, or fix the '
            'destination.')


def _show_checks(migration, out=None) -> None:
    lines = output.check_lines(migration.checks,
                               migration.options.get('override_checks'))
    if lines:
        print('\n'.join(lines), file=out or sys.stdout)


def _show_estimate(migration, out=None) -> None:
    print(f'Estimated time: {durations.estimate_text(migration.estimate)}',
          file=out or sys.stdout)


def _refuse_failed_checks(migration, extra=()) -> None:
    overrides = list(migration.options.get('override_checks', [])) + list(
        extra)
    found = checks.blocking(migration.checks, overrides)
    if found:
        raise errors.CommandError(
            f'{len(found)} pre-check(s) of the plan failed (listed above); '
            'nothing was changed. Make room in the destination and plan '
            'again, or override a check with --override-check NAME (e.g. '
            f'--override-check {found[0]["name"]}).')


def plan_command(args: argparse.Namespace) -> int:
    """Create and plan a migration and print the plan."""
    as_table = args.format == 'table'
    with local.LocalConductor() as here:
        migration = _create_and_plan(args, sys.stdout if as_table
                                     else sys.stderr, here)
    items = migration_api.list_plan_items(migration.id)
    print(render.FORMATS[args.format](items))
    _show_checks(migration, sys.stdout if as_table else sys.stderr)
    _show_estimate(migration, sys.stdout if as_table else sys.stderr)
    message = (f'Migration {migration.uuid}: planned; '
               f'{output.counts_line(output.counts(i.action for i in items))}'
               f'. Apply it with: pumphouse resume {migration.uuid}')
    if any(i.action == 'conflict' for i in items):
        message = (f'Migration {migration.uuid}: planned with conflicts, '
                   'which stop it from running; plan again with '
                   '--on-conflict reuse or rename, or fix the destination.')
    print(message, file=sys.stdout if as_table else sys.stderr)
    return errors.OK


def migrate_command(args: argparse.Namespace) -> int:
    """Plan, confirm, migrate and verify."""
    require_terminal_or_yes(args, 'migrate')
    with local.LocalConductor() as here:
        return _migrate(args, here)


def _migrate(args: argparse.Namespace, here: local.LocalConductor) -> int:
    migration = _create_and_plan(args, sys.stdout, here)
    items = migration_api.list_plan_items(migration.id)
    if args.format:
        print(render.FORMATS[args.format](items))
    print(output.plan_summary(items))
    _show_checks(migration)
    _show_estimate(migration)
    _refuse_conflicts(items)
    _refuse_failed_checks(migration)
    if args.dry_run:
        print(f'Dry run: nothing was changed. Apply this plan with: '
              f'pumphouse resume {migration.uuid}')
        return errors.OK
    if not args.yes and not confirm(
            f'Migrate {len(items)} resources from {args.source} to '
            f'{args.destination}?'):
        print(f'Nothing was changed. Apply this plan later with: '
              f'pumphouse resume {migration.uuid}')
        return errors.FAILED
    return run_and_report(migration, items, args.workers, here)


def resume_command(args: argparse.Namespace) -> int:
    """Continue a migration from its plan items."""
    migration = migration_api.get_migration(args.migration)
    if migration.state == states.COMPLETED:
        raise errors.CommandError(
            f'Migration {migration.uuid} is completed: nothing to resume '
            f'("pumphouse verify {migration.uuid}" checks it again).')
    require_terminal_or_yes(args, 'resume')
    with local.LocalConductor() as here:
        return _resume(args, migration, here)


def _resume(args: argparse.Namespace, migration,
            here: local.LocalConductor) -> int:
    if migration.state == states.RUNNING:
        print(f'Migration {migration.uuid} was left running; resuming it '
              '(refused while another live process works on it).')
    elif migration.state == states.VERIFYING:
        print(f'Migration {migration.uuid} was interrupted while verifying; '
              'verifying it again.')
        return _verify_and_report(here.migration(
            migration.uuid, expected=(states.VERIFYING,)))
    elif migration.state == states.PLANNING:
        print(f'Migration {migration.uuid} was interrupted while planning; '
              'planning it again.')
        migration = here.migration(migration.uuid,
                                   expected=(states.PLANNING,),
                                   plan_only=True,
                                   emit=progress.event_lines(sys.stdout))
    items = migration_api.list_plan_items(migration.id)
    if not items:
        raise errors.CommandError(
            f'Migration {migration.uuid} has no plan '
            f'({migration.last_error or migration.state}); plan the '
            'workload again with "pumphouse plan" or "pumphouse migrate".')
    print(output.plan_summary(items))
    _show_checks(migration)
    _refuse_conflicts(items)
    if migration.state != states.RUNNING:
        _refuse_failed_checks(migration, args.override_checks)
    print('Time: ' + durations.time_text(
        estimate.time_left(migration, items)))
    left = sum(1 for i in items if i.state not in progress.FINISHED_STATES)
    if not args.yes and not confirm(
            f'Resume migration {migration.uuid} ({migration.state}, '
            f'{left} of {len(items)} items left)?'):
        print('Nothing was changed.')
        return errors.FAILED
    return run_and_report(migration, items, args.workers, here,
                          override_checks=args.override_checks)


def run_and_report(migration, items, workers: int,
                   here: local.LocalConductor,
                   override_checks: list[str] | None = None) -> int:
    """Start (unless running), apply and verify with a progress display;
    print the outcome."""
    def timing() -> dict:
        current = migration_api.get_migration(migration.uuid)
        return estimate.time_left(
            current, migration_api.list_plan_items(current.id))

    shown = progress.Progress(items, sys.stdout, timing=timing)
    try:
        migration = here.migration(
            migration.uuid, expected=(states.RUNNING,), start=True,
            override_checks=override_checks, workers=workers, emit=shown)
    except KeyboardInterrupt:
        shown.close()
        _cancel_interrupted(migration.uuid)
        raise errors.CommandError(
            f'Interrupted: migration {migration.uuid} is cancelled. '
            f'Continue with: pumphouse resume {migration.uuid}',
            errors.INTERRUPTED) from None
    shown.close()
    return report_outcome(migration)


def _cancel_interrupted(uuid: str) -> None:
    """Cancel a migration Ctrl-C stopped, so that no conductor resumes
    it behind the operator's back."""
    try:
        migration = migration_api.get_migration(uuid)
        if migration.state == states.RUNNING:
            migration_api.update_migration(
                uuid, {'state': states.CANCELLED,
                       'finished_at': timeutils.utcnow()},
                expected_state=states.RUNNING)
            migration_api.add_event(migration.id, 'state',
                                    'cancelled: interrupted on the command '
                                    'line', level='WARNING')
    except exception.PumphouseException:
        pass  # finished or changed meanwhile: nothing to cancel


def report_outcome(migration) -> int:
    """Print the end state, failures and report; OK only if all is well."""
    items = migration_api.list_plan_items(migration.id)
    print(f'Migration {migration.uuid}: {migration.state}')
    print('Items: ' + output.counts_line(output.counts(
        i.state for i in items)))
    if migration.last_error:
        print(f'Error: {migration.last_error}')
    if not migration.report:
        for item in items:
            if item.state not in progress.FINISHED_STATES:
                print(f'  {item.state}: {item.resource_type} '
                      f'{item.source_name or item.source_id}: '
                      f'{item.error or ""}')
    else:
        print('\n'.join(output.report_lines(migration.report)))
    waiting = migration_api.count_issued_passwords(migration.id)
    if waiting:
        print(f'{waiting} created user(s) got a new password; fetch them '
              f'once with: pumphouse passwords {migration.uuid} '
              '--output FILE')
    clean = (migration.state == states.COMPLETED
             and output.report_is_clean(migration.report))
    if not clean and migration.state != states.COMPLETED:
        print(f'Fix the cause, then: pumphouse resume {migration.uuid}')
    return errors.OK if clean else errors.FAILED


def verify_command(args: argparse.Namespace) -> int:
    """Verify a migration again and print the report."""
    migration = migration_api.get_migration(args.migration)
    with local.LocalConductor() as here:
        return _verify_and_report(here.migration(migration.uuid,
                                                 verify=True))


def _verify_and_report(migration) -> int:
    print(f'Migration {migration.uuid}: {migration.state}')
    print('\n'.join(output.report_lines(migration.report)))
    return (errors.OK if output.report_is_clean(migration.report)
            else errors.FAILED)
