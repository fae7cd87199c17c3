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

"""What power and provision drivers share."""

import jsonschema

from pumphouse.common import exception
from pumphouse.common import masking


def describe(info: dict, secret_keys: tuple[str, ...]) -> dict:
    """``info`` as it may be shown: the driver's secret keys left out,
    and everything else masked (:func:`pumphouse.common.masking.mask`)."""
    return masking.mask({key: value for key, value in info.items()
                         if key not in secret_keys})


def validate_info(driver: str, schema: dict, secret_keys: tuple[str, ...],
                  info: dict) -> None:
    """Raise InvalidHardwareInfo (400) unless ``info`` fits ``schema``.

    jsonschema's messages quote the offending value: for a value under a
    secret key (a password, a whole ``driver_info``) only the rule it
    breaks is told, never the value.
    """
    try:
        jsonschema.validate(info, schema)
    except jsonschema.ValidationError as e:
        path = [str(p) for p in e.absolute_path]
        where = '.'.join(path) or 'info'
        secret = any(p in secret_keys or masking.is_secret_key(p)
                     for p in path)
        reason = (f'the value does not satisfy "{e.validator}"' if secret
                  else masking.mask_text(e.message))
        raise exception.InvalidHardwareInfo(
            driver=driver, reason=f'{where}: {reason}') from None
