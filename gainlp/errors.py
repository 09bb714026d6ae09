"""Errors that are the user's to fix (a bad option, an output folder that cannot be written, a model
folder that is missing or broken). The command line prints them as one line and exits with status 2;
they never become a traceback."""
from __future__ import annotations


class UserError(Exception):
    """A mistake in how gainlp was called; ``str()`` is one line that says what to fix."""


class OutputError(UserError):
    """The output folder cannot be written (read-only, a file, the disk full); names the file."""

    def __init__(self, path, exc: BaseException | str):
        reason = exc if isinstance(exc, str) else (getattr(exc, "strerror", None) or str(exc))
        super().__init__(f"cannot write {path}: {reason}")
        self.path = path


class NoInputs(UserError):
    """No input file was found under the paths given."""


__all__ = ["UserError", "OutputError", "NoInputs"]
