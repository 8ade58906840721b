"""The one exception type renacer raises for user-facing problems."""

from __future__ import annotations


class RenacerError(Exception):
    """A problem the user can fix; the CLI prints ``renacer: <message>`` and exits 1."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
