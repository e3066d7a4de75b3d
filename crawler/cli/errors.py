"""The one exception a sub-command raises to end with a one-line message."""


class CliError(Exception):
    """A user-facing error: printed as one line, exit status ``exit_code``."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code
