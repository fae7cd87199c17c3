"""Errors that ``up`` reports as a message and exit code 1."""


class SetupError(RuntimeError):
    """Installing, configuring or starting something failed."""
