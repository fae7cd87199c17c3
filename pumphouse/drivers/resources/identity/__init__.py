"""Identity resource drivers (Keystone v3)."""
