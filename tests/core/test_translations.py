"""Every interface text has its Chinese wording, and the shipped catalogue is compiled from it."""

import ast
import gettext
from pathlib import Path

import wenming

LOCALE = Path(wenming.__file__).parent / "locale"


def parse_po(path: Path) -> dict[str, tuple[str, bool]]:
    """{msgid: (msgstr, fuzzy)} for a .po file; plural entries keyed by their singular."""
    entries, current, fuzzy, key = {}, {}, False, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith(("msgctxt ", "msgid ", "msgid_plural ", "msgstr ", "msgstr[0] ")):
            key, _, value = line.partition(" ")
            current[key] = ast.literal_eval(value)
        elif line.startswith('"') and key:
            current[key] += ast.literal_eval(line)
        elif not line.strip() and current:
            if current.get("msgid"):
                msgid = current["msgid"] if "msgctxt" not in current else current["msgctxt"] + "\x04" + current["msgid"]
                entries[msgid] = (current.get("msgstr", current.get("msgstr[0]", "")), fuzzy)
            current, fuzzy, key = {}, False, None
    return entries


def test_every_text_has_a_chinese_wording():
    entries = parse_po(LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po")
    assert len(entries) > 100
    assert [m for m, (s, _) in entries.items() if not s] == []
    assert [m for m, (_, fuzzy) in entries.items() if fuzzy] == []


def test_the_compiled_catalogue_matches_the_source():
    entries = parse_po(LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po")
    with open(LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for msgid, (msgstr, _) in entries.items():
        got = compiled._catalog.get(msgid, compiled._catalog.get((msgid, 0)))
        assert got == msgstr, f"{msgid!r}: run compilemessages (see locale/README.md)"
