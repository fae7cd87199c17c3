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

"""Migrations written straight into the database of a served state
directory, for the web UI's tests and benchmark: a planned migration with
a plan of any size (2,000 items by default), a failed one with progress
and errors, a completed one with a report. Nothing here needs a cloud."""

import datetime
import random
import uuid

import sqlalchemy as sa
from sqlalchemy import orm

from pumphouse.db import models

#: (resource type, share of the plan, the types its items need).
SHAPE = (
    ('identity.project', 1, ()),
    ('identity.user', 40, ('identity.project',)),
    ('identity.role_assignment', 80, ('identity.user', 'identity.project')),
    ('compute.flavor', 10, ()),
    ('compute.keypair', 40, ('identity.user',)),
    ('image.image', 50, ('identity.project',)),
    ('network.network', 40, ('identity.project',)),
    ('network.subnet', 40, ('network.network',)),
    ('network.security_group', 40, ('identity.project',)),
    ('network.security_group_rule', 250, ('network.security_group',)),
    ('network.port', 400, ('network.subnet', 'network.security_group')),
    ('volume.volume', 300, ('image.image', 'identity.project')),
    ('compute.server', 400, ('compute.flavor', 'compute.keypair',
                             'network.port', 'volume.volume')),
    ('network.floating_ip', 140, ('network.port',)),
)

CHECKS = [
    {'name': 'quota:demo:compute.instances', 'category': 'quota',
     'status': 'passed', 'message': 'demo needs 400 instances, 500 free',
     'needed': 400, 'available': 500},
    {'name': 'quota:demo:network.port', 'category': 'quota',
     'status': 'failed', 'message': 'demo needs 400 ports in the '
     'destination, 350 are free', 'needed': 400, 'available': 350},
    {'name': 'api_version:destination:compute', 'category': 'api_version',
     'status': 'passed', 'message': 'Nova 2.96 offered, 2.64 needed'},
]


def plan_items(count: int, seed: int = 17) -> list[dict]:
    """``count`` plan items shaped like a project's, as
    :func:`pumphouse.db.migration_api.add_plan_items` takes them."""
    rng = random.Random(seed)
    total_share = sum(share for _t, share, _n in SHAPE)
    by_type: dict[str, list[str]] = {}
    items = []
    for resource_type, share, needs in SHAPE:
        how_many = max(1, round(count * share / total_share))
        for n in range(how_many):
            if len(items) >= count:
                break
            key = f'{resource_type}:{n}'
            depends = sorted({rng.choice(by_type[t]) for t in needs
                              if by_type.get(t)})
            action = rng.choices(('create', 'reuse', 'skip', 'conflict'),
                                 (80, 14, 5, 1))[0]
            item = {'key': key, 'resource_type': resource_type,
                    'source_id': str(uuid.UUID(int=rng.getrandbits(128))),
                    'source_name': f'{resource_type.split(".")[1]}-{n}',
                    'action': action, 'state': 'pending',
                    'depends_on': depends, 'details': {}}
            if action == 'conflict':
                item['details'] = {'differences': {
                    'description': 'source: "web tier"; destination: '
                                   '"old web tier"'}}
            if resource_type in ('image.image', 'volume.volume'):
                item['bytes_total'] = rng.randint(1, 40) * 1024 ** 3
            items.append(item)
            by_type.setdefault(resource_type, []).append(key)
    while len(items) < count:  # rounding: more rules
        n = len(items)
        items.append({'key': f'extra:{n}',
                      'resource_type': 'network.security_group_rule',
                      'source_id': str(uuid.UUID(int=rng.getrandbits(128))),
                      'source_name': f'security_group_rule-x{n}',
                      'action': 'create', 'state': 'pending',
                      'depends_on': [], 'details': {}})
    return items


def _store(session, migration: models.Migration, items: list[dict]) -> None:
    session.add(migration)
    session.flush()
    rows = {}
    for item in items:
        fields = {k: v for k, v in item.items()
                  if k not in ('key', 'depends_on')}
        fields.setdefault('bytes_done', 0)
        row = models.PlanItem(migration_id=migration.id, depends_on=[],
                              attempts=0, **fields)
        session.add(row)
        rows[item['key']] = row
    session.flush()
    for item in items:
        rows[item['key']].depends_on = sorted(
            rows[key].id for key in item['depends_on'])


def seed(database: str, source: str, destination: str,
         count: int = 2000, project_id: str = 'noauth') -> dict:
    """Write three migrations between the registered clouds ``source`` and
    ``destination`` (names) into the SQLite file ``database``; their
    UUIDs by what they show: ``planned``, ``failed``, ``completed``."""
    engine = sa.create_engine(f'sqlite:///{database}',
                              poolclass=sa.NullPool)
    now = datetime.datetime.utcnow()
    made = {}
    try:
        with orm.Session(engine) as session, session.begin():
            clouds = {c.name: c.id for c in session.query(models.Cloud)}

            def migration(name, state, **extra):
                row = models.Migration(
                    uuid=str(uuid.uuid4()), name=name,
                    project_id=project_id, user_id='ui-test',
                    source_cloud_id=clouds[source],
                    destination_cloud_id=clouds[destination],
                    workload={'workload': {'kind': 'project',
                                           'names': ['demo']},
                              'strategies': {}, 'supplementary': 'depend'},
                    options={'server_cutover': 'keep'}, state=state,
                    checks=CHECKS, **extra)
                made[state] = row.uuid
                return row

            _store(session, migration(f'demo-{count}', 'planned'),
                   plan_items(count))
            small = plan_items(60, seed=3)
            for n, item in enumerate(small):
                item['action'] = 'create' if item['action'] == 'conflict' \
                    else item['action']
                item['state'] = ('done' if n < 40 else 'failed' if n < 43
                                 else 'pending')
                if item['state'] == 'failed':
                    item['error'] = ('Nova refused the server: No valid '
                                     'host was found. There are not enough '
                                     'hosts available.')
                if item.get('bytes_total'):
                    item['bytes_done'] = (item['bytes_total'] if n < 40
                                          else item['bytes_total'] // 3)
            failed = migration('demo-failed', 'failed',
                               started_at=now - datetime.timedelta(
                                   minutes=7),
                               finished_at=now,
                               last_error='3 items failed')
            _store(session, failed, small)
            for text, level in (('running requested by user ui-test',
                                 'info'),
                                ('compute.server server-2 failed: No '
                                 'valid host was found', 'error')):
                session.add(models.Event(migration_id=failed.id,
                                         event_type='state', level=level,
                                         message=text))
            done = plan_items(20, seed=5)
            for item in done:
                item['action'] = 'create'
                item['state'] = 'done'
            completed = migration(
                'demo-completed', 'completed',
                started_at=now - datetime.timedelta(minutes=3),
                finished_at=now,
                report={'checked': 20, 'differences': [
                    {'resource_type': 'compute.server',
                     'source_id': done[-1]['source_id'],
                     'name': 'server-1', 'destination_id': str(uuid.uuid4()),
                     'differences': {'status': 'SHUTOFF != ACTIVE'}}],
                    'not_migrated': []})
            _store(session, completed, done)
    finally:
        engine.dispose()
    return made


def running(database: str, source: str, destination: str,
            project_id: str = 'noauth') -> str:
    """A running migration of 30 items held by a command-line owner that
    heart-beats now (no conductor takes it over for [conductor]
    heartbeat_timeout, a minute): a test moves its items with
    :func:`advance`. Its UUID."""
    engine = sa.create_engine(f'sqlite:///{database}',
                              poolclass=sa.NullPool)
    now = datetime.datetime.utcnow()
    owner = f'ui-test-{uuid.uuid4().hex[:8]}'
    try:
        with orm.Session(engine) as session, session.begin():
            clouds = {c.name: c.id for c in session.query(models.Cloud)}
            session.add(models.Owner(name=owner, kind='command',
                                     online=True, heartbeat_at=now))
            row = models.Migration(
                uuid=str(uuid.uuid4()), name='demo-running',
                project_id=project_id, user_id='ui-test',
                source_cloud_id=clouds[source],
                destination_cloud_id=clouds[destination],
                workload={'workload': {'kind': 'project', 'names': ['demo']},
                          'strategies': {}, 'supplementary': 'depend'},
                options={}, state='running', owner=owner, started_at=now,
                checks=CHECKS)
            items = plan_items(30, seed=9)
            for item in items:
                item['action'] = 'create'
            _store(session, row, items)
            return row.uuid
    finally:
        engine.dispose()


def advance(database: str, migration_uuid: str, done: int,
            bytes_done: int = 0) -> None:
    """Mark the first ``done`` items of a migration done, the next one
    running with ``bytes_done`` moved; the owner heart-beats."""
    engine = sa.create_engine(f'sqlite:///{database}',
                              poolclass=sa.NullPool)
    try:
        with orm.Session(engine) as session, session.begin():
            migration = session.query(models.Migration).filter_by(
                uuid=migration_uuid).one()
            items = session.query(models.PlanItem).filter_by(
                migration_id=migration.id).order_by(models.PlanItem.id).all()
            for n, item in enumerate(items):
                if n < done:
                    item.state = 'done'
                elif n == done:
                    item.state = 'running'
                    item.bytes_total = item.bytes_total or 8 * 1024 ** 3
                    item.bytes_done = bytes_done
            session.add(models.Event(
                migration_id=migration.id, event_type='item', level='info',
                message=f'{done} items done'))
            session.query(models.Owner).filter_by(
                name=migration.owner).update(
                    {'heartbeat_at': datetime.datetime.utcnow()})
    finally:
        engine.dispose()
