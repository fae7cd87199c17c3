"""pumphouse-api: the REST API service."""

import sys

from pumphouse.api import service as api_service
from pumphouse.common import service
from pumphouse.db import schema


@service.exit_on_error
def main() -> int:
    service.prepare_service(sys.argv)
    schema.check_current()
    return service.run([api_service.APIService()])


if __name__ == '__main__':
    sys.exit(main())
