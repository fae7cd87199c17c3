"""Exit statuses of the commands and the error that carries one."""

#: Everything went as asked.
OK = 0
#: The work failed or found problems (differences, conflicts, refusals of
#: the engine).
FAILED = 1
#: The command line or what it names is wrong: nothing was done.
USAGE = 2
#: Interrupted by the operator (Ctrl-C).
INTERRUPTED = 130


class CommandError(Exception):
    """A failure to report as one line on stderr with ``status``."""

    def __init__(self, message: str, status: int = FAILED) -> None:
        super().__init__(message)
        self.status = status
