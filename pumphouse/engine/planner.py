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

"""Planning: decide for every discovered resource what apply will do.

* ``reuse``: an earlier migration mapped it and the destination resource
  still exists, or an equal resource is already in the destination;
* ``create``: nothing equal exists;
* ``conflict``: a resource with the same identity (name) but different
  content exists; resolved by ``conflict_resolution`` = ``reuse``
  (take the existing one), ``rename`` (create under name + suffix) or
  ``fail`` (the default: the plan cannot start);
* ``skip``: the driver marked the resource as not to be migrated.

Before deciding, optional references to resources that neither migrate
with the workload nor were migrated before are dropped, with a warning
(:func:`settle`).
"""

import dataclasses

from oslo_log import log

from pumphouse.engine import resource as res

LOG = log.getLogger(__name__)

ACTIONS = ('create', 'reuse', 'skip', 'conflict')
RESOLUTIONS = ('fail', 'reuse', 'rename')


@dataclasses.dataclass
class Decision:
    action: str
    destination_id: str | None = None
    differences: dict | None = None
    attrs: dict | None = None  # replaces the source attrs (renamed)
    note: str | None = None


def item_key(key: res.Key) -> str:
    return f'{key[0]}:{key[1]}'


#: A project's quotas: what they count waits for them (see item_needs).
QUOTA_TYPES = ('compute.quota', 'volume.quota', 'network.quota')


def item_needs(resource: res.Resource, graph) -> list[res.Key]:
    """What the plan item of ``resource`` waits for: what it references
    (optional references to what does not migrate with it order nothing:
    what they name is there already) and, for a resource of a project,
    that project's quotas in the plan. A quota is a reference of
    nothing, but the destination counts every server, volume and port
    against it: created before the limits are raised, the eleventh
    server of a project meets a default quota of ten."""
    needs = [k for k in resource.depends_on if k in graph]
    project = resource.attrs.get('project')
    if resource.type in QUOTA_TYPES or not res.is_ref(project):
        return needs
    project_id = res.ref_key(project)[1]
    return needs + [(t, project_id) for t in QUOTA_TYPES
                    if (t, project_id) in graph and (t, project_id)
                    not in needs]


def plan(ctx, graph, drivers: dict) -> list[dict]:
    """Plan items for :func:`pumphouse.db.migration_api.create_migration`."""
    items = []
    for resource in graph.ordered():
        driver = drivers[resource.type]
        resource, dropped = settle(ctx, resource, graph)
        decision = decide(ctx, driver, resource)
        if decision.destination_id and decision.action == 'reuse':
            ctx.record(resource.key, decision.destination_id)
        details = resource.to_details()
        if decision.attrs is not None:
            details['attrs'] = decision.attrs
            details['renamed_from'] = resource.attrs.get('name')
        if decision.differences:
            details['differences'] = decision.differences
        notes = [n for n in (dropped, decision.note) if n]
        if notes:
            details['note'] = '; '.join(notes)
        items.append({
            'key': item_key(resource.key),
            'depends_on': [item_key(k) for k in item_needs(resource,
                                                           graph)],
            'resource_type': resource.type,
            'source_id': resource.id,
            'source_name': resource.name or label(resource, graph),
            'action': decision.action,
            'state': 'skipped' if decision.action == 'skip' else 'pending',
            'destination_id': decision.destination_id,
            'details': details,
        })
    counts = {a: sum(1 for i in items if i['action'] == a) for a in ACTIONS}
    ctx.event('plan', 'Plan: ' + ', '.join(
        f'{n} {a}' for a, n in counts.items() if n))
    return items


def settle(ctx, resource: res.Resource,
           graph) -> tuple[res.Resource, str | None]:
    """``resource`` without the optional references whose targets are
    outside the migration: not in ``graph`` and not mapped by an earlier
    migration between the same clouds (so not in the destination as
    Pumphouse knows it). Returns the resource and a note naming what was
    left out, also sent as a WARNING event; None when nothing was.
    """
    outside = [(attr, key, name)
               for attr, key, name in res.optional_references(resource.attrs)
               if key not in graph and ctx.mapped(key) is None]
    if not outside:
        return resource, None
    attrs = res.without_optional(resource.attrs,
                                 {key for _attr, key, _name in outside})
    by_attr: dict[str, list[str]] = {}
    for attr, (target_type, target_id), name in outside:
        kind = target_type.rpartition('.')[2]
        by_attr.setdefault(attr, []).append(
            f'{kind} {name}' if name == target_id
            else f'{kind} {name} ({target_id})')
    note = '; '.join(
        f'{attr}: left out {", ".join(sorted(names))}, outside the '
        'migration (neither in this workload nor migrated before)'
        for attr, names in by_attr.items())
    ctx.event('plan', f'{resource.type} {resource.name or resource.id}: '
                      f'{note}', level='WARNING')
    return dataclasses.replace(resource, attrs=attrs), note


def label(resource: res.Resource, graph) -> str:
    """A readable name for a resource that has none of its own (a role
    assignment, a group membership): the names of what it refers to."""
    parts = []
    for name, value in resource.attrs.items():
        if res.is_ref(value):
            target = graph.get(res.ref_key(value))
            parts.append(f'{name}={target.name if target else value}')
        elif isinstance(value, bool) and value:
            parts.append(name)
    return ' '.join(parts)[:255]


def decide(ctx, driver, resource: res.Resource) -> Decision:
    """The action for one resource (its dependencies are decided first)."""
    if resource.data.get('skip'):
        return Decision('skip', note=resource.data['skip'])
    mapped = ctx.mapped(resource.key)
    if mapped is not None:
        if driver.get_destination(ctx, mapped) is not None:
            return Decision('reuse', mapped, note='mapped by an earlier '
                                                  'migration')
        LOG.info('Mapping of %(type)s %(id)s points to %(dest)s, which is '
                 'gone from the destination; planning it anew',
                 {'type': resource.type, 'id': resource.id, 'dest': mapped})
        ctx.forget_mapping(resource.key)
    attrs = ctx.translate(resource.attrs)
    found = driver.find_destination(ctx, resource, attrs)
    if found is None:
        return Decision('create')
    diffs = driver.compare(attrs, found)
    if not diffs:
        return Decision('reuse', found['id'], note='equal resource found')
    resolution = ctx.options.get('conflict_resolution', 'fail')
    if resolution == 'reuse':
        return Decision('reuse', found['id'], differences=diffs,
                        note='conflict resolved by reusing')
    if resolution == 'rename' and driver.renamable:
        suffix = ctx.options.get('rename_suffix', '-migrated')
        renamed = driver.rename(resource.attrs, suffix)
        renamed_found = driver.find_destination(ctx, resource,
                                                ctx.translate(renamed))
        if renamed_found is None:
            return Decision('create', attrs=renamed,
                            note=f'renamed to {renamed["name"]}')
        if not driver.compare(ctx.translate(renamed), renamed_found):
            return Decision('reuse', renamed_found['id'], attrs=renamed,
                            note=f'renamed copy {renamed["name"]} found')
    return Decision('conflict', found['id'], differences=diffs)
