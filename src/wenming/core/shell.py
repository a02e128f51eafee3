"""What an app contributes to the office shell, declared in the app's own package.

An app may have a module ``shell`` (``wenming/<app>/shell.py``) defining any of:

- ``MENU``: a list of ``MenuEntry``, the app's entries in the back office's menu; each is
  shown exactly when the person has its permission, the one its page checks;
- ``CARDS``: a list of ``Card``, the app's parts of the back office's home page;
- ``DEMO``: a ``Demo``, how the app loads its part of the demo city and which logins it prints.

The shell (``wenming.office``) reads them from every installed app, in the order given by
``order``: it imports no app by name, so adding an app needs no edit of the shell.
"""

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps


@dataclass(frozen=True)
class MenuEntry:
    label: str
    url_name: str
    permission: str  # the rule (rules.py) that the page behind url_name checks
    icon: str = ""
    order: int = 100


@dataclass(frozen=True)
class Card:
    """A part of the home page: ``template`` rendered with what ``context(request)`` gives, or
    nothing when it gives None."""

    template: str
    context: Callable
    permission: str
    order: int = 100


@dataclass(frozen=True)
class Demo:
    """``load(progress)`` writes the app's demo data and returns {what: how many}; ``logins(port)``
    gives the lines the demo prints for logging in."""

    load: Callable
    order: int = 100
    logins: Callable | None = None


def declared(name: str) -> list:
    """Every installed app's ``shell.<name>`` (MENU, CARDS: their items; DEMO: the one), in order."""
    found = []
    for config in apps.get_app_configs():
        module_name = f"{config.name}.shell"
        if importlib.util.find_spec(module_name) is None:
            continue
        value = getattr(importlib.import_module(module_name), name, None)
        if value is None:
            continue
        found.extend(value if isinstance(value, (list, tuple)) else [value])
    return sorted(found, key=lambda item: item.order)
