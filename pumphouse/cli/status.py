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

"""``show``, ``list``, ``mappings`` and ``events``: what the local state
says, without talking to any cloud."""

import argparse
import json

from pumphouse.cli import clouds
from pumphouse.cli import errors
from pumphouse.cli import output
from pumphouse.db import api as db_api
from pumphouse.db import mapping_api
from pumphouse.db import migration_api
from pumphouse.engine import render
from pumphouse.engine import views


def _cloud_names() -> dict[int, str]:
    return {c.id: c.name for c in db_api.list_clouds()}


def show_command(args: argparse.Namespace) -> int:
    """A migration: its state, clouds, workload, counts and plan."""
    migration = migration_api.get_migration(args.migration)
    items = migration_api.list_plan_items(migration.id)
    if args.format == 'dot':
        print(render.as_dot(items))
        return errors.OK
    view = views.detailed_view(migration, _cloud_names(), items)
    view['report'] = migration.report
    if args.format == 'json':
        view['plan'] = [render.item_view(i) for i in items]
        print(json.dumps(view, indent=2, ensure_ascii=False, default=str))
    else:
        print(output.migration_text(view))
        if items:
            print(render.as_table(items))
    return errors.OK


def list_command(args: argparse.Namespace) -> int:
    """Every migration, oldest first."""
    cloud_names = _cloud_names()
    rows = [[m.uuid, m.name or '', m.state,
             cloud_names.get(m.source_cloud_id),
             cloud_names.get(m.destination_cloud_id),
             _shorten(output.workload_text(m.workload), 40),
             output.timestamp(m.created_at)]
            for m in migration_api.list_migrations(sort_key='id',
                                                   sort_dir='asc')]
    if not rows:
        print('No migrations yet.')
        return errors.OK
    print(output.table(['id', 'name', 'state', 'source', 'destination',
                        'workload', 'created'], rows))
    return errors.OK


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + '\u2026'


def mappings_command(args: argparse.Namespace) -> int:
    """Source ids and what they became in the destination."""
    cloud_names = _cloud_names()
    migrations = {m.id: m.uuid for m in migration_api.list_migrations()}
    found = mapping_api.list_mappings(
        source_cloud_id=clouds.cloud_id(args.source),
        destination_cloud_id=clouds.cloud_id(args.destination),
        resource_type=args.resource_type, source_id=args.source_id)
    if not found:
        print('No mappings match.')
        return errors.OK
    print(output.table(
        ['resource type', 'source id', 'destination id', 'source',
         'destination', 'migration'],
        [[m.resource_type, m.source_id, m.destination_id,
          cloud_names.get(m.source_cloud_id),
          cloud_names.get(m.destination_cloud_id),
          migrations.get(m.migration_id, '')] for m in found]))
    return errors.OK


def events_command(args: argparse.Namespace) -> int:
    """The progress log of a migration, oldest first."""
    migration = migration_api.get_migration(args.migration)
    for event in migration_api.list_events(migration.id):
        print(f'{output.timestamp(event.created_at)} {event.level:<7} '
              f'{event.event_type}: {event.message}')
    return errors.OK
