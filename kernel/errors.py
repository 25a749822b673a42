"""One base class for every failure a user can act on."""


class AftershockError(RuntimeError):
    """A failure whose message names the file, feed, ticker, row or setting at fault. The command line
    prints it as one `error:` line and exits non-zero, with no traceback."""
