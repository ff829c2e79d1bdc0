"""The command group's guard: usage errors that never repeat what was typed, and output that fails.

What someone types after `assistant` may hold a name (a question, a passage id, a document
id): click's usage errors quote it ("'Marie Tremblay' is not one of …", "unexpected extra
arguments (Marie Tremblay)"), and the error lands in terminals, scripts' logs and support
tickets. Here they say what was expected instead. Output that cannot be written (a full
disk, /dev/full) ends with one clear line and exit code 2, not a traceback.
"""

from __future__ import annotations

import errno
import os
import sys

import click

EXIT_PROBLEM = 2
# The errors of a write to a full, closed or broken standard output or error.
_OUTPUT_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EBADF, errno.EPIPE, errno.EINVAL}


def expected(param: click.Parameter | None) -> str:
    """Return what a parameter takes, in words, from its declaration (never from what was typed)."""
    kind = param.type if param is not None else None
    if isinstance(kind, click.IntRange) and kind.min is not None and kind.max is not None:
        return f"a whole number from {kind.min} to {kind.max}"
    if isinstance(kind, click.IntRange | click.types.IntParamType):
        return "a whole number"
    if isinstance(kind, click.Choice):
        return "one of " + ", ".join(map(str, kind.choices))
    if isinstance(kind, click.Path):
        return "an existing file or folder name" if kind.exists else "a file or folder name"
    return f"a valid {kind.name}" if kind is not None else "a valid value"


def without_input(error: click.UsageError) -> click.UsageError:
    """Return the usage error worded without any of the values that were typed."""
    ctx = error.ctx
    if isinstance(error, click.BadParameter) and not isinstance(error, click.MissingParameter):
        hint = error.param_hint or (error.param.get_error_hint(ctx) if error.param and ctx else "a value")
        quiet = click.UsageError(f"Invalid value for {hint}: expected {expected(error.param)}.", ctx)
    elif isinstance(error, click.NoSuchOption):
        quiet = click.UsageError("No such option: see --help for the options.", ctx)
    elif "unexpected extra argument" in error.message:
        quiet = click.UsageError("Got unexpected extra arguments: put the question (or each id) in quotes.", ctx)
    elif "No such command" in error.message:
        quiet = click.UsageError("No such command: see --help for the commands.", ctx)
    else:
        return error  # missing arguments, options without their value: nothing typed is quoted
    quiet.exit_code = error.exit_code
    return quiet


def _failed_output(error: OSError) -> int | None:
    """Return the descriptor (1 or 2) of the standard stream whose write raised error, else None."""
    if error.errno not in _OUTPUT_ERRORS or error.filename:
        return None
    trace = error.__traceback__
    while trace is not None and trace.tb_next is not None:
        trace = trace.tb_next
    frame = trace.tb_frame if trace is not None else None
    # Everything the command line prints goes through click.echo, which names its stream `file`.
    if frame is None or frame.f_code.co_name != "echo" or "click" not in frame.f_code.co_filename:
        return None
    try:
        descriptor = frame.f_locals["file"].fileno()
    except (KeyError, AttributeError, OSError, ValueError):
        return None
    return descriptor if descriptor in (1, 2) else None


def _discard(descriptor: int) -> None:
    """Point the broken stream at the null device, so that what is still buffered fails nowhere."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, descriptor)
        os.close(null)
    except OSError:
        pass


class AssistantGroup(click.Group):
    """The `assistant` group: its usage errors never quote what was typed, a failed write ends cleanly."""

    def make_context(self, *args, **kwargs) -> click.Context:  # type: ignore[override]
        try:
            return super().make_context(*args, **kwargs)
        except click.UsageError as error:
            raise without_input(error) from None

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except click.UsageError as error:
            raise without_input(error) from None

    def main(self, *args, **kwargs):  # type: ignore[override]
        try:
            return super().main(*args, **kwargs)
        except OSError as error:
            descriptor = _failed_output(error)
            if descriptor is None:
                raise
            _discard(descriptor)
            stream = "the standard output" if descriptor == 1 else "the standard error"
            if descriptor == 1:
                try:
                    click.echo(f"error: could not write to {stream}: {error.strerror or error} "
                               "(is the disk full?)", err=True)
                except OSError:
                    pass
            sys.exit(EXIT_PROBLEM)
