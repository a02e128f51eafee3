"""The `wenming` command: the product's own management commands under short names.

Every management command of a wenming app is a subcommand (``import_areas`` is
``wenming import-areas``), so a new command appears here without registration.
``wenming manage …`` reaches any other Django command.
"""

import os
import sys

# Django commands that belong to running wenming, besides our own.
DJANGO_COMMANDS = {"migrate": "Apply database migrations (create or upgrade the schema)."}


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wenming.settings")
    import django

    django.setup()


def _commands() -> dict[str, tuple[str, str]]:
    """{cli name: (django command name, app)} for wenming's own commands and the few Django ones."""
    from django.core.management import get_commands

    found = {}
    for name, app in get_commands().items():
        if app.startswith("wenming.") or name in DJANGO_COMMANDS:
            found[name.replace("_", "-")] = (name, app)
    return dict(sorted(found.items()))


def _summary(name: str, app: str) -> str:
    if name in DJANGO_COMMANDS:
        return DJANGO_COMMANDS[name]
    from django.core.management import load_command_class

    help_text = (load_command_class(app, name).help or "").strip()
    return help_text.splitlines()[0] if help_text else ""


def print_help(commands) -> None:
    from wenming import __version__

    print(f"wenming {__version__}: 文明城市创建管理平台\n")
    print("usage: wenming COMMAND [options]   (wenming COMMAND --help for its options)\n")
    print("commands:")
    width = max(len(n) for n in commands) + 2
    for cli_name, (name, app) in commands.items():
        print(f"  {cli_name:<{width}}{_summary(name, app)}")
    print(f"  {'manage':<{width}}Run any other Django management command.")


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    _setup()
    from django.core.management import execute_from_command_line

    commands = _commands()
    if not argv or argv[0] in ("-h", "--help", "help"):
        print_help(commands)
        return
    if argv[0] == "--version":
        from wenming import __version__

        print(__version__)
        return
    name, rest = argv[0], argv[1:]
    if name == "manage":
        execute_from_command_line(["wenming manage", *rest])
    elif name in commands:
        execute_from_command_line(["wenming", commands[name][0], *rest])
    else:
        print(f"wenming: unknown command {name!r}; `wenming --help` lists them.", file=sys.stderr)
        sys.exit(2)
