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

"""The outcome of one pre-check and its statuses."""

import dataclasses

PASSED = 'passed'
WARNING = 'warning'
FAILED = 'failed'
CATEGORIES = ('api_version', 'keystone_db', 'quota', 'capacity', 'addresses',
              'cidr_overlap', 'stack')


@dataclasses.dataclass
class Result:
    """The outcome of one check."""

    category: str
    subject: str
    status: str
    message: str
    needed: int | None = None
    available: int | None = None

    @property
    def name(self) -> str:
        return f'{self.category}:{self.subject}'

    def to_dict(self) -> dict:
        data = {'name': self.name, 'category': self.category,
                'status': self.status, 'message': self.message}
        if self.needed is not None:
            data['needed'] = self.needed
            data['available'] = self.available
        return data
