"""Every user-facing string is translated to French and Arabic, and the catalogs follow the code."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("clictopay", "payments", "backoffice", "fraud", "templates", "manage.py")
_ENTRY = re.compile(r'^(msgid|msgid_plural|msgstr(?:\[\d+\])?) "(.*)"$')


def parse_po(path: Path) -> dict[str, dict[str, str]]:
    """msgid -> {"msgstr": ..., "fuzzy": "1"?}, enough for completeness checks."""
    entries: dict[str, dict[str, str]] = {}
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, str] = {}
        key = ""
        for line in block.splitlines():
            if line.startswith("#,") and "fuzzy" in line:
                fields["fuzzy"] = "1"
            elif match := _ENTRY.match(line):
                key = match.group(1)
                fields[key] = fields.get(key, "") + match.group(2)
            elif line.startswith('"') and key:
                fields[key] += line[1:-1]
        if fields.get("msgid"):
            entries[fields["msgid"]] = fields
    return entries


def extracted_msgids(tmp_path: Path) -> set[str]:
    """Run makemessages on a copy of the sources, so the real catalogs are left alone."""
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    (tmp_path / "locale").mkdir()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "clictopay.settings", "DATABASE_URL": "sqlite:///:memory:"}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "fr", "--no-location", "-v0"],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
    )
    return set(parse_po(tmp_path / "locale" / "fr" / "LC_MESSAGES" / "django.po"))


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs gettext's xgettext")
def test_every_string_of_the_code_is_in_the_catalogs(tmp_path):
    in_code = extracted_msgids(tmp_path)
    assert len(in_code) > 50  # the extraction itself worked
    for lang in ("fr", "ar"):
        catalog = parse_po(ROOT / "locale" / lang / "LC_MESSAGES" / "django.po")
        assert sorted(in_code - set(catalog)) == [], f"run makemessages and translate to {lang}"


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_catalog_has_no_untranslated_or_fuzzy_entry(lang):
    catalog = parse_po(ROOT / "locale" / lang / "LC_MESSAGES" / "django.po")
    untranslated = [
        msgid
        for msgid, fields in catalog.items()
        if fields.get("fuzzy") or not any(v for k, v in fields.items() if k.startswith("msgstr"))
    ]
    assert untranslated == []


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_placeholders_survive_translation(lang):
    catalog = parse_po(ROOT / "locale" / lang / "LC_MESSAGES" / "django.po")
    placeholder = re.compile(r"%\(\w+\)[sd]")
    for msgid, fields in catalog.items():
        wanted = set(placeholder.findall(msgid + fields.get("msgid_plural", "")))
        forms = [value for key, value in fields.items() if key.startswith("msgstr")]
        for form in forms:
            # a translation may not invent a placeholder; a singular one must keep them all
            found = set(placeholder.findall(form))
            assert found <= wanted, msgid
            assert "msgid_plural" in fields or found == wanted, msgid
