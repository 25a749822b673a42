"""Errors raised by ingest. Every message names the file, feed, ticker or row at fault."""

from kernel.errors import AftershockError


class IngestError(AftershockError):
    """A batch could not be read or landed at all (the command exits non-zero)."""


class SourceUnreadable(IngestError):
    """An input file or response could not be parsed."""
