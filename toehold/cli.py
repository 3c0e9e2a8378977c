"""The ``toehold`` command line: a thin layer over ``sensors`` and ``analysis``.

Each subcommand lives in ``toehold/commands/<name>.py`` and exposes
``register(subparsers)``; the parser sets ``func`` to the code to run.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

# pyarrow allocates with malloc in this process, not with its default pool
# (mimalloc): mimalloc kept a day's parse buffers and samples resident
# after they were freed, even when asked to give them back (release_unused),
# so `toehold analyze` on 24 h peaked at 1930-1970 MB against 1480 MB
# with malloc, whose big blocks go back to the system when freed
# (benchmarks/README.md). Read when pyarrow first allocates, so set before
# anything imports it; a value the user set wins.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")

# UserError lives with the checks; commands raise it as toehold.cli.UserError too.
from toehold.args import UserError, check_outputs

__all__ = ["UserError", "build_parser", "main"]

# Order is the order of ``toehold --help``.
COMMANDS = ("info", "analyze", "report", "log", "export", "simulate", "replay", "import", "scan", "record",
            "session")


def version() -> str:
    """``toehold 0.1.0 (analyser 0.4.1)``: the package and the analysis it runs."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as package_version

    from analysis.pipeline import ANALYSER_VERSION

    try:
        v = package_version("toehold")
    except PackageNotFoundError:
        v = "(not installed)"
    return f"toehold {v} (analyser {ANALYSER_VERSION})"


class _Version(argparse.Action):
    """``--version``, worked out only when asked (it imports the analysis)."""

    def __call__(self, parser, namespace, values, option_string=None):
        print(version())
        parser.exit()


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error: the usage is one ``--help`` away, not in the way."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="toehold",
        description="Foot-exercise analysis for a foot- or ankle-worn motion sensor.")
    parser.add_argument("--version", action=_Version, nargs=0, help="show the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"toehold.commands.{name.replace('import', 'import_')}")
        except ModuleNotFoundError as err:
            if err.name and err.name.startswith("toehold.commands"):
                continue  # command not built yet
            raise
        module.register(sub)
    return parser


# One-shot commands that analyse whole recordings (see keep_freed_memory).
ANALYSING = ("analyze", "report", "export")


def keep_freed_memory() -> bool:
    """On glibc, keep freed blocks in the heap for the next array instead of handing them back.

    A day's analysis makes and drops hundreds of whole-day arrays (34 MB
    per float64 column at 50 Hz). glibc serves each block above its mmap
    threshold (32 MB at most when it adapts it) with fresh pages from the
    kernel and unmaps them on free, and trims the heap's top: every new
    array faulted its pages in again, 3.2-3.8 s of system CPU in a 24 h
    ``toehold analyze`` of 19-20 s. Blocks up to 40 MiB (a 24 h column)
    from the heap, the heap never trimmed and grown 64 MiB at a time:
    1.7 s, for 80 MB more peak RSS (up to 1 GiB from the heap: 1.4 s, but
    240 MB more; benchmarks/README.md, fifth pass). For the one-shot
    analysing commands only (a long-lived process keeps glibc's
    give-back); a ``MALLOC_*`` setting or ``GLIBC_TUNABLES`` in the
    environment, or ``TOEHOLD_MALLOC=default``, leaves glibc alone.

    Returns whether the settings were made.
    """
    if os.environ.get("TOEHOLD_MALLOC") == "default" or any(
            k.startswith("MALLOC_") or k == "GLIBC_TUNABLES" for k in os.environ):
        return False
    import ctypes
    import ctypes.util

    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt
    except (OSError, AttributeError):  # not glibc (macOS, Windows, musl without mallopt)
        return False
    m_trim_threshold, m_top_pad, m_mmap_threshold = -1, -2, -3
    return bool(mallopt(m_mmap_threshold, 40 << 20) and mallopt(m_trim_threshold, 2**31 - 1)
                and mallopt(m_top_pad, 64 << 20))


def main(argv: list[str] | None = None) -> int:
    from sensors.limits import InputLimitError

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    if args.command in ANALYSING:
        keep_freed_memory()
    try:
        check_outputs(args)  # before any work: a bad output path must not cost a session
        return int(args.func(args) or 0)
    except BrokenPipeError:
        # Output piped into `head` and the like: stop quietly.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (UserError, InputLimitError, OSError) as err:
        from toehold.safe_output import terminal_text

        # Messages quote file names, which may hold escape sequences.
        print(f"toehold: {terminal_text(err, None, keep_newlines=True)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
