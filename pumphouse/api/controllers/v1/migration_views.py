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

"""What the API shows of migrations, their events and plans: the views
the command line shows too (:mod:`pumphouse.engine.views`), with links."""

from pumphouse.api import method
from pumphouse.db import api as db_api
from pumphouse.db import migration_api
from pumphouse.engine import render
from pumphouse.engine import views

NOT_LISTED = views.NOT_LISTED
timestamp = views.timestamp
check_views = views.check_views
event_view = views.event_view
time_view = views.time_view


def cloud_uuids() -> dict[int, str]:
    return db_api.cloud_uuids()


def _links(uuid: str, collection: str | None = None) -> list[dict]:
    """The links of a migration; ``collection``: the link of
    ``/v1/migrations``, made once for a whole list."""
    link = f"{collection or method.link('v1', 'migrations')}/{uuid.strip('/')}"
    return [{'href': link + suffix, 'rel': rel} for suffix, rel in (
        ('', 'self'), ('/plan', 'plan'), ('/events', 'events'))]


def migration_list(migrations, clouds: dict[int, str]) -> list[dict]:
    """What the API shows of migrations in a list."""
    collection = method.link('v1', 'migrations')
    return [dict(views.migration_view(m, clouds),
                 links=_links(m.uuid, collection)) for m in migrations]


def detailed_view(migration) -> dict:
    """A migration with the counts of its plan items."""
    return dict(views.detailed_view(migration, cloud_uuids()),
                links=_links(migration.uuid))


def plan_json(migration) -> dict:
    """The plan of a migration: its items, pre-checks and estimate."""
    rows = migration_api.plan_item_rows(migration.id, render.VIEW_COLUMNS,
                                        raw=('details',))
    return {'items': render.row_views(rows),
            'checks': check_views(migration),
            'estimate': migration.estimate or None}
