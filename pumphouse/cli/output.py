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

"""What the commands print: tables, plan summaries, reports, migrations."""

import collections
import datetime
from collections.abc import Iterable
from collections.abc import Sequence

from pumphouse.common import durations
from pumphouse.engine import checks
from pumphouse.engine import planner
from pumphouse.hosts import evacuation_plan as plan_mod


def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A plain text table (the look of the plan table)."""
    text_rows = [['' if v is None else str(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[n]) for r in text_rows])
              for n, h in enumerate(header)]
    line = '+'.join('-' * (w + 2) for w in widths)

    def row(values):
        return ' ' + ' | '.join(v.ljust(w) for v, w in zip(values, widths,
                                                             strict=True))
    return '\n'.join([line, row(header), line,
                      *(row(r) for r in text_rows), line])


def timestamp(value: datetime.datetime | None) -> str:
    """A stored (naive, UTC) time as the operator reads it."""
    if value is None:
        return '-'
    return value.replace(microsecond=0).isoformat(sep=' ') + ' UTC'


def counts(values: Iterable[str]) -> dict[str, int]:
    return dict(sorted(collections.Counter(values).items()))


def counts_line(found: dict[str, int]) -> str:
    return ', '.join(f'{n} {what}' for what, n in found.items()) or 'none'


def plan_summary(items: Sequence) -> str:
    """What the plan does, in total and per resource type, conflicts
    spelled out."""
    per_type: dict[str, collections.Counter] = {}
    for item in items:
        per_type.setdefault(item.resource_type,
                            collections.Counter())[item.action] += 1
    width = max((len(t) for t in per_type), default=0)
    lines = [f'Plan: {_actions(collections.Counter(i.action for i in items))}'
             f' ({len(items)} items)']
    lines += [f'  {t.ljust(width)}  {_actions(c)}'
              for t, c in sorted(per_type.items())]
    lines += conflict_lines(items)
    return '\n'.join(lines)


def _actions(found: collections.Counter) -> str:
    return ', '.join(f'{found[a]} {a}' for a in planner.ACTIONS
                     if found[a]) or 'nothing'


def conflict_lines(items: Iterable) -> list[str]:
    """One line per conflict, with what differs."""
    lines = []
    for item in items:
        if item.action != 'conflict':
            continue
        diffs = (item.details or {}).get('differences') or {}
        what = '; '.join(f'{k}: {v.get("source")!r} in source, '
                         f'{v.get("destination")!r} in destination'
                         for k, v in diffs.items())
        lines.append(f'conflict: {item.resource_type} '
                     f'{item.source_name or item.source_id} '
                     f'(destination {item.destination_id}): {what}')
    return lines


def report_lines(report: dict | None) -> list[str]:
    """The verification report, one line per problem."""
    if not report:  # the database gives {} for none
        return ['Not verified yet.']
    differences = report.get('differences', [])
    not_migrated = report.get('not_migrated', [])
    lines = [f'Verified {report.get("checked", 0)} resources: '
             f'{len(differences)} with differences, {len(not_migrated)} '
             f'not migrated.']
    for entry in differences:
        name = _entry_name(entry)
        if entry.get('missing'):
            lines.append(f'  missing: {name} (destination '
                         f'{entry.get("destination_id")} is gone)')
            continue
        for attr, diff in (entry.get('differences') or {}).items():
            lines.append(f'  differs: {name} {attr}: '
                         f'{diff.get("source")!r} in source, '
                         f'{diff.get("destination")!r} in destination')
    for entry in not_migrated:
        error = f': {entry["error"]}' if entry.get('error') else ''
        lines.append(f'  not migrated: {_entry_name(entry)} '
                     f'({entry.get("state")}){error}')
    return lines


def _entry_name(entry: dict) -> str:
    return (f'{entry.get("resource_type")} '
            f'{entry.get("name") or entry.get("source_id")}')


def report_is_clean(report: dict | None) -> bool:
    return bool(report and not report.get('differences')
                and not report.get('not_migrated'))


def workload_text(workload: dict) -> str:
    """``project: a, b (domain D)`` and the strategies, on one line."""
    inner = workload.get('workload', {})
    text = f'{inner.get("kind")}: {", ".join(inner.get("names", []))}'
    if inner.get('project'):
        text += f' in project {inner["project"]}'
    if inner.get('domain'):
        text += f' (domain {inner["domain"]})'
    if inner.get('hosts'):
        text += f' on hosts {", ".join(inner["hosts"])}'
    strategies = workload.get('strategies') or {}
    if strategies:
        text += '; ' + ', '.join(f'{t}={s}' for t, s in
                                 sorted(strategies.items()))
    if workload.get('supplementary', 'depend') != 'depend':
        text += f'; supplementary {workload["supplementary"]}'
    return text


def _iso_timestamp(value: str | None) -> str:
    return timestamp(datetime.datetime.fromisoformat(value)
                     if value else None)


def migration_text(view: dict) -> str:
    """The ``show`` view (:func:`pumphouse.engine.views.detailed_view`
    with the report) as aligned ``field: value`` lines."""
    options = view['options'] or {}
    fields = [
        ('id', view['uuid']), ('name', view['name'] or '-'),
        ('state', view['state']),
        ('source', view['source']), ('destination', view['destination']),
        ('workload', workload_text(
            {key: view[key]
             for key in ('workload', 'strategies', 'supplementary')})),
        ('options', ', '.join(f'{k}={v}' for k, v in sorted(
            options.items()))),
        ('created', _iso_timestamp(view['created_at'])),
        ('started', _iso_timestamp(view['started_at'])),
        ('finished', _iso_timestamp(view['finished_at'])),
        ('last error', view['last_error'] or '-'),
        ('items by state', counts_line(view['items']['by_state'])),
        ('items by action', counts_line(view['items']['by_action'])),
        ('estimate', durations.estimate_text(view.get('estimate'))),
        ('time', durations.time_text(view.get('time'))),
    ]
    if view['passwords_available']:
        fields.append(('passwords', f'{view["passwords_available"]} '
                       'waiting: pumphouse passwords '
                       f'{view["uuid"]} --output FILE'))
    width = max(len(name) for name, _ in fields)
    lines = [f'{name.ljust(width)}  {value}' for name, value in fields]
    return '\n'.join(lines + check_lines(view['checks'],
                                         options.get('override_checks'))
                     + report_lines(view['report']))


def check_lines(found: Sequence[dict] | None, overrides=None) -> list[str]:
    """The pre-checks of a plan: a summary, then each one not passed."""
    if not found:
        return []
    by_status = counts(c['status'] for c in found)
    lines = [f'Pre-checks: {counts_line(by_status)}']
    for check in found:
        if check['status'] == checks.PASSED:
            continue
        label = check['status'].upper()
        if check['status'] == checks.FAILED and checks.overridden(
                check, overrides):
            label = 'OVERRIDDEN'
        lines.append(f'  {label:<10} {check["name"]}: {check["message"]}')
    return lines


def _amounts(free: dict | None) -> str:
    return ', '.join(f'{free[rc]} {rc}' for rc in ('VCPU', 'MEMORY_MB',
                                                   'DISK_GB') if rc in free
                     ) if free else '-'


def evacuation_plan_text(plan: dict) -> str:
    """An evacuation plan as the operator reads it: each server, how and
    where it goes (or why it cannot), the rules that put hosts out for it,
    then the hosts with their free capacity before and after."""
    hosts = {h['name']: h for h in plan.get('hosts', [])}
    lines = [f'Evacuation plan of host {plan["host"]} (on its way to '
             f'{plan.get("target")}), made {plan.get("created_at")}:']
    if not plan.get('servers'):
        lines.append('  no server runs on it')
    for server in plan.get('servers', []):
        action = server['action']
        how = {plan_mod.MOVE: f'{server["method"]} to {server["target"]}',
               plan_mod.TO_DESTINATION: 'to the destination cloud (chosen)',
               plan_mod.LEAVE: 'left on the host (chosen)',
               plan_mod.OVERRIDE: f'{server["method"] or "move"} where '
                                  'Nova picks (override chosen)',
               plan_mod.BLOCKED: 'BLOCKED'}[action]
        group = server.get('server_group')
        lines.append(
            f'  {plan_mod.label(server)} {server["status"]}: {how}' + (
                f' [group {group["name"] or group["id"]}: '
                f'{group["policy"]}]' if group else ''))
        if action == plan_mod.BLOCKED:
            # Every host out for it, and why.
            lines.append(f'      why: {server["reason"]}')
        else:
            if server['candidates']:
                lines.append('      candidates: '
                             + ', '.join(server['candidates']))
            # Rules that put a host out for this server only (the hosts
            # out for every server are listed once, below).
            for out in server.get('excluded', []):
                if out['rule'] not in {o['rule'] for o in hosts.get(
                        out['host'], {}).get('out', [])}:
                    lines.append(f'      out: {out["host"]}: {out["rule"]} '
                                 f'({out["reason"]})')
        for volume in server.get('volumes', []):
            lines.append(f'      volume {volume["id"]}: '
                         f'{volume.get("status") or "status unknown"}')
        for note in server.get('notes', []):
            lines.append(f'      note: {note}')
    lines.append('Hosts:')
    for name, host in hosts.items():
        if host.get('out'):
            lines.append(f'  {name} ({host.get("zone") or "-"}): out: '
                         + '; '.join(f'{o["rule"]} ({o["reason"]})'
                                     for o in host['out']))
        else:
            lines.append(f'  {name} ({host.get("zone") or "-"}): free '
                         f'{_amounts(host.get("free"))}; after the plan '
                         f'{_amounts(host.get("free_after"))}')
    if not hosts:
        lines.append('  the source has no other compute host')
    for note in plan.get('notes', []):
        lines.append(f'Note: {note}')
    summary = plan_mod.summary(plan)
    lines.append(summary[:1].upper() + summary[1:] + '.')
    return '\n'.join(lines)
