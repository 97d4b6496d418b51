"""Backup and restore round trip, on SQLite and PostgreSQL alike (item 10 of issue #12): the database, the
attachments and the keys are backed up together; after a wipe the restore brings back a member whose ID
number reveals and an attachment that downloads, and a restore beside other keys is refused naming the key."""

from __future__ import annotations

import base64
import contextlib
import io
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from bottomline.monitoring.assistance import measure_add
from bottomline.monitoring.tests.factories import open_case, walk
from bottomline.monitoring.workflow import State
from bottomline.privacy.keys import field_keys
from bottomline.registry.models import Member
from bottomline.registry.services import reveal
from bottomline.registry.tests.factories import id_number

PDF = b"%PDF-1.4\n% minutes of the villagers' representatives, signed\n"


@pytest.fixture
def keys(settings: Any, tmp_path: Path) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    field_keys.cache_clear()
    yield settings
    field_keys.cache_clear()


@pytest.mark.django_db(transaction=True)
def test_backup_wipe_restore_reads_a_revealed_id_and_an_attachment_back(
    tree: Any, personas: dict[str, Any], keys: Any, tmp_path: Path, client: Client
) -> None:
    cadre = personas["village_cadre"]
    case = walk(open_case(personas, tree.village, sequence=90), personas, State.MONITORED)
    measure = measure_add(
        actor=cadre,
        case_id=case.pk,
        kind="industry",
        responsible_id=cadre.pk,
        start=date(2026, 1, 5),
        evidence=ContentFile(PDF, name="minutes.pdf"),
    )
    member_pk = Member.objects.get(household=case.household_id).pk
    archive = tmp_path / "backup" / "bottomline.tar.gz"
    key_file = tmp_path / "safe" / "keys.env"
    call_command("backup", str(archive), "--keys-file", str(key_file), stdout=io.StringIO())
    assert archive.exists() and key_file.stat().st_mode & 0o077 == 0  # the keys: readable by the owner only
    assert PDF not in archive.read_bytes()

    # The wipe: an empty database and no attachments.
    call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(keys.MEDIA_ROOT)
    assert not Member.objects.exists()

    # Restored beside other keys: refused before anything is replaced, naming the key.
    keys.FIELD_ENCRYPTION_KEYS = "dev1:" + base64.b64encode(b"x" * 16).decode()
    field_keys.cache_clear()
    with pytest.raises(CommandError, match="'dev1'"):
        call_command("restore", str(archive), "--yes", stdout=io.StringIO())
    assert not Member.objects.exists()

    # With the keys from the backup's key file, the restore brings everything back.
    saved = dict(line.split("=", 1) for line in key_file.read_text().splitlines())
    keys.FIELD_ENCRYPTION_KEYS = saved["BOTTOMLINE_FIELD_KEYS"]
    keys.FIELD_ENCRYPTION_ACTIVE_KEY = saved["BOTTOMLINE_FIELD_KEY_ID"]
    keys.BLIND_INDEX_KEY = saved["BOTTOMLINE_BLIND_INDEX_KEY"]
    field_keys.cache_clear()
    call_command("restore", str(archive), "--yes", stdout=io.StringIO())

    assert reveal(actor=cadre, member_id=member_pk) == id_number(sequence=90)
    client.force_login(cadre)
    answer = client.get(reverse("monitoring:case_file", args=[case.pk, "measure", measure.pk]))
    assert answer.status_code == 200 and answer.getvalue() == PDF


@pytest.mark.django_db
def test_restore_asks_for_confirmation(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(tmp_path / "any.tar.gz"))


def _python_without_extraction_filters(monkeypatch: pytest.MonkeyPatch) -> None:
    """Python as Debian 12 ships it (3.11.2): no ``tarfile.data_filter``, and ``extractall`` takes no filter."""
    import tarfile

    monkeypatch.delattr(tarfile, "data_filter")
    extractall = tarfile.TarFile.extractall

    def old(
        self: tarfile.TarFile, path: Any = ".", members: Any = None, *, numeric_owner: bool = False
    ) -> None:
        extractall(self, path, members, numeric_owner=numeric_owner, filter="fully_trusted")

    monkeypatch.setattr(tarfile.TarFile, "extractall", old)


@pytest.mark.django_db(transaction=True)
def test_a_restore_on_the_python_debian_12_ships(
    tree: Any, keys: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by following docs/deploy.md on a fresh Debian 12: the restore failed with "extractall() got an
    unexpected keyword argument 'filter'" (extraction filters came with Python 3.11.4)."""
    from bottomline.regions.models import Region

    _python_without_extraction_filters(monkeypatch)
    regions = Region.objects.count()
    archive = tmp_path / "bottomline.tar.gz"
    call_command("backup", str(archive), stdout=io.StringIO())
    call_command("flush", interactive=False, verbosity=0)
    call_command("restore", str(archive), "--yes", stdout=io.StringIO())
    assert Region.objects.count() == regions > 0


@pytest.mark.parametrize("filters", [True, False], ids=["extraction filters", "Python 3.11.2"])
@pytest.mark.parametrize(
    "name, kind", [("../outside.txt", "file"), ("ABSOLUTE", "file"), ("media/link", "symlink")]
)
def test_nothing_of_an_archive_lands_outside_the_restore_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, filters: bool, name: str, kind: str
) -> None:
    """Refused, or (Python's filter) an absolute name made relative: never written outside, never a link out."""
    import tarfile

    from bottomline.registry.backup import BackupError, _extract

    if not filters:
        _python_without_extraction_filters(monkeypatch)
    work = tmp_path / "restore" / "work"
    work.mkdir(parents=True)
    name = str(tmp_path / "absolute.txt") if name == "ABSOLUTE" else name
    archive = tmp_path / "evil.tar"
    with tarfile.open(archive, "w") as tar:
        member = tarfile.TarInfo(name)
        if kind == "symlink":
            member.type, member.linkname = tarfile.SYMTYPE, "/etc/passwd"
            tar.addfile(member)
        else:
            member.size = 4
            tar.addfile(member, io.BytesIO(b"evil"))
    with tarfile.open(archive) as tar, contextlib.suppress(BackupError, tarfile.FilterError):
        _extract(tar, work)
    assert not (tmp_path / "restore" / "outside.txt").exists() and not (tmp_path / "absolute.txt").exists()
    assert not (work / "media" / "link").is_symlink()
