"""pumphouse-conductor: the RPC conductor service."""

import sys

from pumphouse.common import service
from pumphouse.conductor import service as conductor_service
from pumphouse.db import schema


@service.exit_on_error
def main() -> int:
    service.prepare_service(sys.argv)
    schema.check_current()
    return service.run([conductor_service.ConductorService()])


if __name__ == '__main__':
    sys.exit(main())
