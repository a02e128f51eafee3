"""The `wenming` command."""

import subprocess
import sys

import pytest

from wenming.cli import main


def test_help_lists_every_command_with_one_line(capsys):
    main(["--help"])
    out = capsys.readouterr().out
    for command in ["demo", "serve", "migrate", "createadmin", "import-areas", "import-units", "import-users"]:
        line = next((row for row in out.splitlines() if row.strip().startswith(command + " ")), None)
        assert line is not None, command
        assert len(line.split(None, 1)[1]) > 10, line


def test_an_unknown_command_exits_with_an_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["frobnicate"])
    assert exit_.value.code == 2
    assert "unknown command" in capsys.readouterr().err


def test_the_console_script_is_installed():
    result = subprocess.run([sys.executable, "-m", "wenming", "--version"], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == __import__("wenming").__version__


@pytest.mark.django_db
def test_createadmin_makes_a_superuser_and_refuses_weak_passwords(capsys):
    from django.contrib.auth import get_user_model
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError):
        call_command("createadmin", "root", "--password", "123")
    assert not get_user_model().objects.filter(username="root").exists()
    call_command("createadmin", "root", "--password", "a-strong-pass-2026", "--real-name", "系统管理员")
    root = get_user_model().objects.get(username="root")
    assert root.is_superuser and root.profile.real_name == "系统管理员"
    with pytest.raises(CommandError, match="already exists"):
        call_command("createadmin", "root", "--password", "a-strong-pass-2026")
