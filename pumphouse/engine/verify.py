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

"""Verification: compare every migrated resource with its source."""

from oslo_log import log

from pumphouse.db import migration_api
from pumphouse.engine import resource as res

LOG = log.getLogger(__name__)


def verify(ctx, drivers: dict, migration) -> dict:
    """Build the verification report of a migration.

    Every item that reached the destination is read back there and
    compared with its source attributes, references translated through
    the mapping. Items that did not reach it are listed as not migrated.
    """
    items = migration_api.list_plan_items(migration.id)
    for item in items:
        if item.destination_id:
            ctx.record((item.resource_type, item.source_id),
                       item.destination_id)
    differences, not_migrated, checked = [], [], 0
    for item in items:
        if item.state == 'skipped':
            continue
        entry = {'resource_type': item.resource_type,
                 'source_id': item.source_id, 'name': item.source_name,
                 'destination_id': item.destination_id}
        if item.state != 'done':
            not_migrated.append(dict(entry, state=item.state,
                                     error=item.error))
            continue
        driver = drivers[item.resource_type]
        resource = res.Resource.from_item(item)
        actual = driver.get_destination(ctx, item.destination_id)
        checked += 1
        if actual is None:
            differences.append(dict(entry, missing=True, differences={}))
            continue
        diffs = driver.compare(ctx.translate(resource.attrs), actual)
        if diffs:
            differences.append(dict(entry, differences=diffs))
    report = {'checked': checked, 'differences': differences,
              'not_migrated': not_migrated}
    ctx.event('verify', f'Verified {checked} resources: '
                        f'{len(differences)} with differences, '
                        f'{len(not_migrated)} not migrated',
              level='WARNING' if differences or not_migrated else 'INFO')
    return report
