"""Commands of the migration API v1."""
