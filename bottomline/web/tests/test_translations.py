"""The Chinese catalog is complete and current, and pages come out in the language the user chose.

When a test here fails because a string was added or changed: run
``cd bottomline && ../.venv/bin/python ../manage.py makemessages -l zh_Hans --no-obsolete``, translate the new
entries in ``locale/zh_Hans/LC_MESSAGES/django.po`` (no fuzzy or empty ones), and run the tests again.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.test.utils import override_settings
from django.utils.translation.reloader import translation_file_changed

PACKAGE = Path(settings.BASE_DIR) / "bottomline"
CATALOG = PACKAGE / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
COMPILED = CATALOG.with_suffix(".mo")
REGENERATE = "cd bottomline && ../.venv/bin/python ../manage.py makemessages -l zh_Hans --no-obsolete"


@dataclass
class Entry:
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self) -> tuple[str | None, str, str | None]:
        return (self.msgctxt, self.msgid, self.msgid_plural)


def parse_po(path: Path) -> list[Entry]:
    """The entries of a PO file (header included, as the entry whose msgid is empty)."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int] = ("msgid", 0)
    keyword = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(".*")$')
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            entry = None
            continue
        if entry is None:
            entry = Entry()
            entries.append(entry)
        if line.startswith("#~"):
            entry.obsolete = True
        elif line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif match := keyword.match(line):
            name, index, text = match.group(1), int(match.group(2) or 0), ast.literal_eval(match.group(3))
            target = (name, index)
            if name == "msgstr":
                entry.msgstr[index] = text
            elif name == "msgid":
                entry.msgid = text
            elif name == "msgctxt":
                entry.msgctxt = text
            else:
                entry.msgid_plural = text
        elif line.startswith('"'):
            text = ast.literal_eval(line)
            name, index = target
            if name == "msgstr":
                entry.msgstr[index] += text
            elif name == "msgid":
                entry.msgid += text
            elif name == "msgctxt":
                entry.msgctxt = (entry.msgctxt or "") + text
            else:
                entry.msgid_plural = (entry.msgid_plural or "") + text
    return entries


def messages(entries: list[Entry]) -> list[Entry]:
    """The translatable entries: not the header, not obsolete."""
    return [e for e in entries if e.msgid and not e.obsolete]


def show(entries: list[Entry]) -> str:
    return "\n".join(f"  {e.msgid!r}" for e in entries[:30])


@pytest.fixture(scope="session")
def compiled_catalog() -> Path:
    """Compile the catalog when its .mo is missing or older than the .po (set-up compiles it anyway)."""
    if not COMPILED.exists() or COMPILED.stat().st_mtime < CATALOG.stat().st_mtime:
        msgfmt = shutil.which("msgfmt")
        assert msgfmt, "gettext's msgfmt is needed to compile the catalog: run scripts/setup.sh"
        # Written aside and moved into place, so that parallel test workers never read half a file.
        handle, partial = tempfile.mkstemp(dir=COMPILED.parent, suffix=".partial.mo")
        os.close(handle)
        try:
            subprocess.run([msgfmt, "--check-format", "-o", partial, str(CATALOG)], check=True)  # noqa: S603  (fixed arguments)
            os.replace(partial, COMPILED)
        finally:
            Path(partial).unlink(missing_ok=True)
        translation_file_changed(sender=None, file_path=COMPILED)  # drop translations cached before
    return COMPILED


# --- The catalog itself ---------------------------------------------------------------------------


def test_catalog_header_is_for_chinese() -> None:
    header = next(e for e in parse_po(CATALOG) if not e.msgid)
    assert "fuzzy" not in header.flags, "a fuzzy header is ignored by msgfmt (charset, plural forms)"
    assert "Plural-Forms: nplurals=1; plural=0;" in header.msgstr[0]
    assert "charset=UTF-8" in header.msgstr[0]


def test_every_entry_is_translated_and_none_is_fuzzy() -> None:
    entries = messages(parse_po(CATALOG))
    assert len(entries) > 300
    fuzzy = [e for e in entries if "fuzzy" in e.flags]
    untranslated = [e for e in entries if not e.msgstr or not all(s.strip() for s in e.msgstr.values())]
    assert not fuzzy, f"fuzzy entries (check, then remove the flag):\n{show(fuzzy)}"
    assert not untranslated, f"untranslated entries:\n{show(untranslated)}"
    plural = [e for e in entries if e.msgid_plural is not None and set(e.msgstr) != {0}]
    assert not plural, f"Chinese has one plural form, msgstr[0] only:\n{show(plural)}"


def test_catalog_has_no_obsolete_entries() -> None:
    obsolete = [e for e in parse_po(CATALOG) if e.obsolete]
    assert not obsolete, f"remove obsolete (#~) entries: {REGENERATE}"


def test_msgfmt_accepts_the_catalog() -> None:
    """msgfmt --check compares placeholders (%(name)s, {0}) of msgid and msgstr, and the header."""
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "gettext's msgfmt is needed: run scripts/setup.sh"
    result = subprocess.run(  # noqa: S603  (msgfmt from PATH, fixed arguments)
        [msgfmt, "--check", "--statistics", "-o", os.devnull, str(CATALOG)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "LC_ALL": "C"},
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


def test_catalog_holds_every_marked_string_of_our_sources(tmp_path: Path) -> None:
    """Extract our templates and Python again, as makemessages does, into a copy: nothing may be missing."""
    source = tmp_path / "bottomline"
    shutil.copytree(
        PACKAGE,
        source,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo", "static", ".*"),
    )
    locale = source / "locale"
    copied = locale / "zh_Hans" / "LC_MESSAGES" / "django.po"
    before = {e.key for e in messages(parse_po(copied))}
    cwd = Path.cwd()
    # makemessages writes to the first of LOCALE_PATHS that holds a file: point it at the copy.
    with override_settings(LOCALE_PATHS=[str(locale)]):
        try:
            os.chdir(source)
            call_command("makemessages", locale=["zh_Hans"], no_obsolete=True, verbosity=0)
        finally:
            os.chdir(cwd)
    extracted = messages(parse_po(copied))
    after = {e.key for e in extracted}
    missing = sorted(after - before, key=str)
    stale = sorted(before - after, key=str)
    assert not missing, (
        f"strings marked for translation but not in the catalog ({REGENERATE}):\n"
        + "\n".join(f"  {m!r}" for m in missing[:30])
    )
    assert not stale, f"entries no source uses any more ({REGENERATE}):\n" + "\n".join(
        f"  {m!r}" for m in stale[:30]
    )
    # The merge must not have left an entry untranslated or fuzzy either (e.g. a msgid_plural changed).
    assert not [e for e in extracted if "fuzzy" in e.flags or not all(e.msgstr.values())]


# --- Pages in each language ---------------------------------------------------------------------

CHINESE_HOME = ("首页", "待办事项", "退出登录", "下级行政区划", "县乡村振兴局干部")
ENGLISH_HOME = ("Home", "Work queue", "Sign out", "Regions below yours", "County officer (县乡村振兴局)")
CHINESE_LOGIN = ("登录", "请输入用户名和密码。", "用户名", "密码")
ENGLISH_LOGIN = ("Sign in", "Enter your credentials", "Username", "Password")


def visible_text(html: str) -> str:
    """The page's text and attribute values, without the markup (class names, URLs) around them."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    attributes = " ".join(re.findall(r'\b(?:alt|title|placeholder|aria-label)="([^"]*)"', html))
    return re.sub(r"<[^>]+>", " ", html) + " " + attributes


@pytest.fixture
def chinese(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    return client


@pytest.fixture
def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def get_text(client: Client, path: str, **headers: str) -> str:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, (path, response.status_code, response.get("Location"))
    return visible_text(response.content.decode())


@pytest.mark.django_db
@pytest.mark.usefixtures("compiled_catalog")
def test_home_page_in_chinese(chinese: Client, personas: dict[str, Any]) -> None:
    chinese.force_login(personas["county_officer"])
    text = get_text(chinese, "/")
    for phrase in CHINESE_HOME:
        assert phrase in text
    for phrase in ENGLISH_HOME:
        assert not re.search(rf"\b{re.escape(phrase)}", text), phrase


@pytest.mark.django_db
@pytest.mark.usefixtures("compiled_catalog")
def test_home_page_in_english(english: Client, personas: dict[str, Any]) -> None:
    english.force_login(personas["county_officer"])
    text = get_text(english, "/")
    for phrase in ENGLISH_HOME:
        assert phrase in text
    for phrase in CHINESE_HOME:
        assert phrase not in text


@pytest.mark.django_db
@pytest.mark.usefixtures("compiled_catalog")
def test_login_page_of_two_factor_in_chinese(chinese: Client) -> None:
    text = get_text(chinese, "/account/login/")
    for phrase in CHINESE_LOGIN:
        assert phrase in text
    for phrase in ENGLISH_LOGIN:
        assert not re.search(rf"\b{re.escape(phrase)}\b", text), phrase


@pytest.mark.django_db
@pytest.mark.usefixtures("compiled_catalog")
def test_login_page_of_two_factor_in_english(english: Client) -> None:
    text = get_text(english, "/account/login/")
    for phrase in ENGLISH_LOGIN:
        assert phrase in text
    for phrase in CHINESE_LOGIN:
        assert phrase not in text


@pytest.mark.django_db
@pytest.mark.usefixtures("compiled_catalog")
def test_chinese_is_the_default_and_the_browser_may_ask_for_english(client: Client) -> None:
    assert "请输入用户名和密码。" in get_text(client, "/account/login/")
    assert "Enter your credentials." in get_text(client, "/account/login/", accept_language="en")


@pytest.mark.django_db
@pytest.mark.usefixtures("compiled_catalog")
def test_wrong_password_is_reported_in_chinese(chinese: Client, personas: dict[str, Any]) -> None:
    response = chinese.post(
        "/account/login/",
        {"login_view-current_step": "auth", "auth-username": "county_officer", "auth-password": "wrong"},
    )
    text = visible_text(response.content.decode())
    assert "请输入一个正确的" in text, text  # Django's own catalog: 请输入一个正确的 用户名 和密码…
    assert "Please enter a correct" not in text
