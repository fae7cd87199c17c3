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

"""Database API of mappings: source id to destination id, per cloud pair."""

from pumphouse.db import api as db_api
from pumphouse.db import models


def load_mappings(source_cloud_id: int, destination_cloud_id: int
                  ) -> dict[tuple[str, str], str]:
    """Every mapping of a cloud pair: (type, source id) -> destination id."""
    with db_api._reader() as session:
        rows = session.query(models.Mapping.resource_type,
                             models.Mapping.source_id,
                             models.Mapping.destination_id).filter_by(
            source_cloud_id=source_cloud_id,
            destination_cloud_id=destination_cloud_id)
        return {(r.resource_type, r.source_id): r.destination_id
                for r in rows}


def list_mappings(source_cloud_id: int | None = None,
                  destination_cloud_id: int | None = None,
                  resource_type: str | None = None,
                  source_id: str | None = None,
                  limit: int | None = None,
                  marker: int | None = None) -> list[models.Mapping]:
    with db_api._reader() as session:
        query = session.query(models.Mapping)
        for column, value in (('source_cloud_id', source_cloud_id),
                              ('destination_cloud_id', destination_cloud_id),
                              ('resource_type', resource_type),
                              ('source_id', source_id)):
            if value is not None:
                query = query.filter(getattr(models.Mapping, column) == value)
        if marker is not None:
            query = query.filter(models.Mapping.id > marker)
        query = query.order_by(models.Mapping.id)
        if limit is not None:
            query = query.limit(limit)
        return query.all()


@db_api.retry_on_deadlock
def delete_mapping(source_cloud_id: int, destination_cloud_id: int,
                   resource_type: str, source_id: str) -> None:
    """Forget a mapping whose destination resource no longer exists."""
    with db_api._writer() as session:
        session.query(models.Mapping).filter_by(
            source_cloud_id=source_cloud_id,
            destination_cloud_id=destination_cloud_id,
            resource_type=resource_type, source_id=source_id).delete()
