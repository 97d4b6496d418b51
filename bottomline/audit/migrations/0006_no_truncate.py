"""PostgreSQL: the audit tables cannot be truncated (a TRUNCATE skips the row triggers of 0002). SQLite: the
row triggers of 0002 are made again on audit_event, which 0004 rebuilt (SQLite has no TRUNCATE). Both: the
change log's seals (0005) are append-only too.

Like 0002, the triggers are made only where ``AUDIT_DB_TRIGGERS`` is on (test databases are flushed with
TRUNCATE). They hold against the application's role only if that role does not own the tables: the owner can
drop a trigger (docs/security.md, "Audit trail", gives the roles).
"""

from django.conf import settings
from django.db import migrations

TABLES = ("audit_event", "auditlog_logentry", "audit_changeseal")


def create_triggers(apps, schema_editor, force=False):
    if not (settings.AUDIT_DB_TRIGGERS or force):
        return
    if schema_editor.connection.vendor == "sqlite":
        for table in TABLES:
            for op in ("UPDATE", "DELETE"):
                schema_editor.execute(
                    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END"
                )
        return
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE OR REPLACE FUNCTION bottomline_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'audit rows are append-only'; END $$"
    )
    for table in TABLES:
        schema_editor.execute(
            f"CREATE OR REPLACE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION bottomline_append_only()"
        )
        # The row triggers too, where 0002 ran before the setting was on.
        schema_editor.execute(
            f"CREATE OR REPLACE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION bottomline_append_only()"
        )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    schema_editor.execute("DROP TRIGGER IF EXISTS audit_changeseal_append_only ON audit_changeseal")


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_changeseal")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
