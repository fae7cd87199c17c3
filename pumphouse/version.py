"""The installed version of Pumphouse."""

import pbr.version

version_info = pbr.version.VersionInfo('pumphouse')
version_string = version_info.version_string
