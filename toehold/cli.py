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


def main(argv: list[str] | None = None) -> int:
    from sensors.limits import InputLimitError

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
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
