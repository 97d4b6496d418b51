"""Backup and restore of the database, the attachments and the keys, together (docs/backup.md).

A backup is one ``.tar.gz``: ``manifest.json`` (the format, the database's vendor, and the key check values of
the keys its data was made with), the database (SQLite's online backup, or ``pg_dump -Fc``) and the attachment
folders (already sealed with the field keys). The keys themselves are not in it: a stolen archive must not
carry what opens it. They go, on request, to a separate key file readable by its owner only, to be kept apart
(a safe, a key manager). A restore first compares the archive's key check values with the configured keys and
refuses, naming the key, before anything is replaced.
"""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import FileField
from django.utils import timezone

from bottomline.privacy.fields import encrypted_file_fields
from bottomline.registry.keycheck import key_checks_record, key_values_compare
from bottomline.registry.models import KeyCheck

logger = logging.getLogger(__name__)

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA = "media"
DUMPS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


class BackupError(Exception):
    """A backup cannot be made or restored; the message says why and what to do."""


@dataclass(frozen=True)
class Restored:
    """What a restore brought back, and the field keys its check values name that are not configured."""

    created_at: str
    files: int
    unconfigured_keys: tuple[str, ...]


def attachment_folders() -> list[str]:
    """The top folders under MEDIA_ROOT of every sealed file field ("casework", "measures")."""
    folders = set()
    for model, name in encrypted_file_fields():
        field = model._meta.get_field(name)
        assert isinstance(field, FileField)  # noqa: S101  (what encrypted_file_fields picks)
        folders.add(str(field.upload_to).split("/", 1)[0])
    return sorted(folders)


def _pg_command(program: str, alias: str) -> tuple[list[str], dict[str, str]]:
    """The program with the connection of ``alias`` (password through the environment, not the command line)."""
    db = connections[alias].settings_dict
    args = [program, "--no-owner", "--no-privileges", "--dbname", str(db["NAME"])]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            args += [flag, str(db[key])]
    env = {**os.environ, "PGPASSWORD": str(db.get("PASSWORD") or "")}
    return args, env


def _run(args: list[str], env: dict[str, str]) -> None:
    if shutil.which(args[0]) is None:
        raise BackupError(
            f"{args[0]} is not installed: install the PostgreSQL client of the server's version"
        )
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{args[0]} failed: {done.stderr.strip()[-2000:]}")


def _dump_database(target: Path, alias: str) -> None:
    connection = connections[alias]
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        # SQLite's online backup: a consistent copy while the site runs.
        with sqlite3.connect(target) as copy:
            connection.connection.backup(copy)
        copy.close()
    elif connection.vendor == "postgresql":
        args, env = _pg_command("pg_dump", alias)
        _run([*args, "--format", "custom", "--file", str(target)], env)
    else:
        raise BackupError(f"no backup for the {connection.vendor} database")


def backup_create(*, archive: Path, keys_file: Path | None = None, alias: str = DEFAULT_DB_ALIAS) -> int:
    """Write the database, the attachments and the key check values into ``archive``; the keys, when asked, to
    ``keys_file`` (mode 600). Returns the number of attachment files. Neither file may exist already."""
    for path in (archive, keys_file):
        if path is not None and path.exists():
            raise BackupError(f"{path} exists already: a backup never overwrites a file")
    vendor = connections[alias].vendor
    if vendor not in DUMPS:
        raise BackupError(f"no backup for the {vendor} database")
    key_checks_record(using=alias)  # a database that never recorded its keys' check values does now
    media = Path(settings.MEDIA_ROOT)
    archive.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=archive.parent) as work:
        dump = Path(work) / DUMPS[vendor]
        # The database first, then the files: a file added meanwhile is an orphan (pruned), not a gap.
        _dump_database(dump, alias)
        manifest = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "database": vendor,
            "key_checks": dict(KeyCheck.objects.using(alias).values_list("name", "value")),
        }
        files = 0
        partial = archive.with_name(archive.name + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            tar.addfile(info, fileobj=io.BytesIO(data))
            tar.add(dump, arcname=DUMPS[vendor])
            for folder in attachment_folders():
                for path in sorted((media / folder).rglob("*")):
                    if path.is_file() and not path.name.endswith(".rotating"):
                        tar.add(path, arcname=f"{MEDIA}/{path.relative_to(media).as_posix()}")
                        files += 1
        partial.rename(archive)  # a backup cut short never looks complete
    if keys_file is not None:
        keys_file.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(keys_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(
                f"BOTTOMLINE_FIELD_KEYS={settings.FIELD_ENCRYPTION_KEYS}\n"
                f"BOTTOMLINE_FIELD_KEY_ID={settings.FIELD_ENCRYPTION_ACTIVE_KEY}\n"
                f"BOTTOMLINE_BLIND_INDEX_KEY={settings.BLIND_INDEX_KEY}\n"
            )
    logger.info("backup written with %d attachment files", files)
    return files


def _manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = tar.extractfile(MANIFEST)
    except KeyError:
        raise BackupError("this is not a Bottomline backup: it has no manifest.json") from None
    assert member is not None  # noqa: S101  (a regular file)
    manifest: dict[str, Any] = json.loads(member.read())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"backup format {manifest.get('format')!r} is not known to this version")
    return manifest


def _load_database(source: Path, alias: str) -> None:
    connection = connections[alias]
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        # The backup's pages copied over the live file through Django's own connection, in one step.
        with sqlite3.connect(source) as backup:
            backup.backup(connection.connection)
        backup.close()
    else:
        connection.close()  # pg_restore drops the tables: no lock of ours may hold them
        args, env = _pg_command("pg_restore", alias)
        _run([*args, "--clean", "--if-exists", "--single-transaction", str(source)], env)


def _extract(tar: tarfile.TarFile, work: Path) -> None:
    """The archive into ``work``, and nothing outside it: no absolute names, no "..", no links or devices.
    Python's ``data`` extraction filter refuses those from 3.11.4 on; Debian 12's python3.11 (3.11.2), which a
    production install runs, has no filters, and then the members are checked here first."""
    if hasattr(tarfile, "data_filter"):
        tar.extractall(work, filter="data")
        return
    root = work.resolve()
    for member in tar.getmembers():
        inside = (root / member.name).resolve().is_relative_to(root)
        if os.path.isabs(member.name) or not inside or not (member.isfile() or member.isdir()):
            raise BackupError(f"the archive holds {member.name!r}, which no backup does: nothing restored")
    tar.extractall(work)  # noqa: S202  (every member checked above)


def backup_restore(*, archive: Path, alias: str = DEFAULT_DB_ALIAS) -> Restored:
    """Replace the database and the attachments with the archive's, after checking that the configured keys
    are the ones its data was made with (BackupError naming the key otherwise, and nothing is replaced)."""
    if not archive.is_file():
        raise BackupError(f"{archive} is not a file")
    vendor = connections[alias].vendor
    with tarfile.open(archive, "r:gz") as tar:
        manifest = _manifest(tar)
        if manifest["database"] != vendor:
            raise BackupError(
                f"this backup is of a {manifest['database']} database; DATABASE_URL names a {vendor} one"
            )
        problems, unconfigured = key_values_compare(manifest["key_checks"])
        if problems:
            raise BackupError(
                " ".join(message for _setting, message in problems)
                + " Set the keys saved with this backup (its key file) and restore again."
            )
        media = Path(settings.MEDIA_ROOT)
        with tempfile.TemporaryDirectory() as work:
            _extract(tar, Path(work))
            _load_database(Path(work) / DUMPS[vendor], alias)
            files = 0
            for folder in attachment_folders():
                shutil.rmtree(media / folder, ignore_errors=True)
                restored = Path(work) / MEDIA / folder
                if restored.is_dir():
                    shutil.copytree(restored, media / folder)
                    files += sum(1 for path in (media / folder).rglob("*") if path.is_file())
    logger.info("backup of %s restored with %d attachment files", manifest["created_at"], files)
    return Restored(created_at=manifest["created_at"], files=files, unconfigured_keys=tuple(unconfigured))
