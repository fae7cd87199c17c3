"""What power and provision drivers share."""

import jsonschema
from oslo_utils import strutils

from pumphouse.common import exception


def describe(info: dict, secret_keys: tuple[str, ...]) -> dict:
    """``info`` as it may be shown: secret keys left out, and anything
    that looks like a password elsewhere masked."""
    shown = {key: value for key, value in info.items()
             if key not in secret_keys}
    return strutils.mask_dict_password(shown)


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
        secret = any(p in secret_keys or 'password' in p.lower()
                     or 'secret' in p.lower() for p in path)
        reason = (f'the value does not satisfy "{e.validator}"' if secret
                  else e.message)
        raise exception.InvalidHardwareInfo(
            driver=driver, reason=f'{where}: {reason}') from None
