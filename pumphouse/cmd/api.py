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

"""pumphouse-api: the REST API service."""

import sys

from pumphouse.api import service as api_service
from pumphouse.common import service
from pumphouse.db import schema


@service.exit_on_error
def main() -> int:
    service.prepare_service(sys.argv)
    service.setup_reports('pumphouse-api')
    schema.check_compatible()
    return service.run([api_service.APIService()])


if __name__ == '__main__':
    sys.exit(main())
