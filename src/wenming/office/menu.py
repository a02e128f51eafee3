"""The back office's menu: the entries every app declares (core.shell), each shown exactly when
the person has the permission its page checks."""

from django.urls import reverse

from wenming.core.shell import declared


def menu_for(request) -> list[dict]:
    entries = [
        {"label": entry.label, "url": reverse(entry.url_name), "icon": entry.icon}
        for entry in declared("MENU")
        if request.user.has_perm(entry.permission)
    ]
    # The most specific entry is highlighted: /office/cases/map/ is the map, not the list.
    current = max((e["url"] for e in entries if request.path.startswith(e["url"])), key=len, default=None)
    for entry in entries:
        entry["active"] = entry["url"] == current
    return entries
