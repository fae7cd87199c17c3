"""What the API shows of migrations, their events and plans."""

import collections

from pumphouse.api import method
from pumphouse.api import validation
from pumphouse.api.schemas.v1 import migrations as schemas
from pumphouse.db import api as db_api
from pumphouse.db import migration_api
from pumphouse.engine import checks
from pumphouse.engine import render


def timestamp(value) -> str | None:
    return value.isoformat() if value is not None else None


def cloud_uuids() -> dict[int, str]:
    return {c.id: c.uuid for c in db_api.list_clouds()}


def migration_view(migration, clouds: dict[int, str]) -> dict:
    """What the API shows of a migration in a list."""
    selection = migration.workload
    link = method.link('v1', 'migrations', migration.uuid)
    view = {key: getattr(migration, key) for key in (
        'uuid', 'name', 'project_id', 'user_id', 'options', 'state',
        'last_error')}
    # Who works on it now: a conductor or a command-line process.
    view['conductor'] = migration.owner
    view.update({key: timestamp(getattr(migration, key)) for key in (
        'created_at', 'updated_at', 'started_at', 'finished_at')})
    view.update({
        'source': clouds[migration.source_cloud_id],
        'destination': clouds[migration.destination_cloud_id],
        'workload': selection['workload'],
        'strategies': selection.get('strategies', {}),
        'supplementary': selection.get('supplementary', 'depend'),
        'links': [{'href': link + suffix, 'rel': rel} for suffix, rel in (
            ('', 'self'), ('/plan', 'plan'), ('/events', 'events'))],
    })
    return view


def detailed_view(migration) -> dict:
    """A migration with the counts of its plan items."""
    view = migration_view(migration, cloud_uuids())
    items = migration_api.list_plan_items(migration.id)
    view['items'] = {
        'total': len(items),
        'by_state': dict(collections.Counter(i.state for i in items)),
        'by_action': dict(collections.Counter(i.action for i in items))}
    view['passwords_available'] = migration_api.count_issued_passwords(
        migration.id)
    view['report_available'] = bool(migration.report)
    view['checks'] = check_views(migration)
    return view


def check_views(migration) -> list[dict]:
    """The pre-checks of a migration; failed ones say if overridden."""
    overrides = (migration.options or {}).get('override_checks', [])
    return [dict(c, overridden=checks.overridden(c, overrides))
            if c['status'] == checks.FAILED else c
            for c in migration.checks or ()]


def event_view(event) -> dict:
    view = {key: getattr(event, key) for key in (
        'id', 'level', 'event_type', 'message', 'plan_item_id', 'conductor')}
    view['created_at'] = timestamp(event.created_at)
    return view


@validation.response_body(schemas.plan)
def plan_json(migration, items) -> dict:
    return {'items': [render.item_view(i) for i in items],
            'checks': check_views(migration)}
