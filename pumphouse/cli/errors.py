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
