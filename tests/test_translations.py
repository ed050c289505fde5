"""The Dutch catalogue is complete and its compiled form matches the source."""

import ast
import gettext
from pathlib import Path

from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale" / "nl" / "LC_MESSAGES"


def _po_entries(path: Path) -> list[dict]:
    """Parse a .po file into entries with msgid, msgstr(s) and flags; enough for our files."""
    entries, entry, field = [], None, None
    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            if entry and "msgid" in entry:
                entries.append(entry)
            entry, field = None, None
            continue
        entry = entry or {"flags": set()}
        if line.startswith("#,"):
            entry["flags"].update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[field] += ast.literal_eval(line)
        else:
            field, _, value = line.partition(" ")
            entry[field] = ast.literal_eval(value)
    return entries


def test_every_dutch_message_is_translated_and_none_is_fuzzy():
    entries = [e for e in _po_entries(LOCALE / "django.po") if e["msgid"]]
    assert entries
    untranslated = [e["msgid"] for e in entries if not (e.get("msgstr") or e.get("msgstr[0]"))]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert untranslated == []
    assert fuzzy == []


def test_compiled_catalogue_holds_exactly_the_source_messages():
    with (LOCALE / "django.mo").open("rb") as fh:
        catalog = gettext.GNUTranslations(fh)._catalog
    compiled = {k[0] if isinstance(k, tuple) else k for k in catalog if k}
    source = {e["msgid"] for e in _po_entries(LOCALE / "django.po") if e["msgid"]}
    assert compiled == source, "run `make messages` to compile locale/nl"
