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
from pumphouse.engine import render
from pumphouse.engine import views

timestamp = views.timestamp
check_views = views.check_views
event_view = views.event_view
time_view = views.time_view


def cloud_uuids() -> dict[int, str]:
    return {c.id: c.uuid for c in db_api.list_clouds()}


def _links(uuid: str) -> list[dict]:
    link = method.link('v1', 'migrations', uuid)
    return [{'href': link + suffix, 'rel': rel} for suffix, rel in (
        ('', 'self'), ('/plan', 'plan'), ('/events', 'events'))]


def migration_view(migration, clouds: dict[int, str]) -> dict:
    """What the API shows of a migration in a list."""
    return dict(views.migration_view(migration, clouds),
                links=_links(migration.uuid))


def detailed_view(migration) -> dict:
    """A migration with the counts of its plan items."""
    return dict(views.detailed_view(migration, cloud_uuids()),
                links=_links(migration.uuid))


def plan_json(migration, items) -> dict:
    return {'items': [render.item_view(i) for i in items],
            'checks': check_views(migration),
            'estimate': migration.estimate or None}
