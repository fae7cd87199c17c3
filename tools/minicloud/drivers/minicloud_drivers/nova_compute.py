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

"""``nova-compute`` with the harness's driver loadable.

Nova loads ``compute_driver`` only from inside ``nova.virt``, so this
launcher makes :mod:`minicloud_drivers.nova_fake` importable as
``nova.virt.minicloud`` and then runs the stock nova-compute. Use with
``compute_driver = minicloud.SnapshotFakeDriver``.

Run: ``python -m minicloud_drivers.nova_compute --config-file ...``.
Works with the Nova of every release the harness runs (2024.1 and
current).
"""

from nova import monkey_patch

# Newer Nova lets the caller choose the concurrency backend; 2024.1 has
# no patch(): importing the module already patched with eventlet, as
# its nova-compute does (nova.cmd imports it too).
if hasattr(monkey_patch, "patch"):
    monkey_patch.patch(backend="threading")

import sys  # noqa: E402 - after Nova's own patching, as nova-compute

import nova.virt  # noqa: E402
from nova.cmd import compute  # noqa: E402

from minicloud_drivers import nova_fake  # noqa: E402

sys.modules["nova.virt.minicloud"] = nova_fake
nova.virt.minicloud = nova_fake  # type: ignore[attr-defined]

if __name__ == "__main__":
    sys.exit(compute.main())
