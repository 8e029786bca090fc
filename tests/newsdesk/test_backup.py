import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from annotations.services.reviews import quote_review_submit
from newsdesk import backup
from tests.db_logins import OWNER_LOGIN, database_url
from tests.factories import ArticleFactory, QuoteFactory

ROOT = Path(__file__).resolve().parents[2]
TABLES = [
    "annotations_article",
    "annotations_speaker",
    "annotations_speakeralias",
    "annotations_quote",
    "annotations_review",
    "auth_user",
]
HISTORY_CHECKSUM = """
    SELECT md5(string_agg(concat_ws('|', id, quote_id, reviewer_id, created_at, from_status,
                                    to_status, note, evidence::text, quote_version), ','
                          ORDER BY id))
      FROM annotations_review
"""


def _url(dbname):
    # As `make backup` / `make restore` run: as the schema's owner (a restore recreates it).
    return database_url(OWNER_LOGIN, dbname)


def _fingerprint(url):
    env = backup._libpq_env(url)
    with psycopg.connect(
        host=env["PGHOST"], port=env["PGPORT"], user=env["PGUSER"], dbname=env["PGDATABASE"]
    ) as conn:
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
        return counts, conn.execute(HISTORY_CHECKSUM).fetchone()[0]


@pytest.fixture
def restore_db():
    name = connection.settings_dict["NAME"] + "_restore"
    admin_url = _url("postgres")
    env = backup._libpq_env(admin_url)

    def admin(statement: str) -> None:
        with psycopg.connect(
            host=env["PGHOST"],
            port=env["PGPORT"],
            user=env["PGUSER"],
            dbname="postgres",
            autocommit=True,
        ) as conn:
            conn.execute(statement)

    admin(f'DROP DATABASE IF EXISTS "{name}"')
    admin(f'CREATE DATABASE "{name}"')
    yield _url(name)
    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_backup_restore_round_trip_keeps_rows_and_history(
    transactional_db, editor, restore_db, tmp_path
):
    for n in range(3):
        quote = QuoteFactory(article=ArticleFactory())
        quote_review_submit(
            quote=quote,
            user=editor,
            to_status="verified",
            expected_version=1,
            note=f"checked {n}",
            evidence=[f"https://example.org/{n}"],
        )
        quote_review_submit(
            quote=quote,
            user=editor,
            to_status="disputed",
            dispute_reason="wrong_words",
            expected_version=2,
            note="on second thought",
        )
    source_url = _url(connection.settings_dict["NAME"])
    before = _fingerprint(source_url)

    dump_file = tmp_path / "newsdesk.dump"
    dumped = subprocess.run(
        [sys.executable, "-m", "newsdesk.backup", "dump", "--output", str(dump_file)],
        cwd=ROOT,
        env={**backup._libpq_env(source_url), "DATABASE_URL": source_url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert dumped.returncode == 0, dumped.stderr
    restored = subprocess.run(
        [sys.executable, "-m", "newsdesk.backup", "restore", str(dump_file), "--yes"],
        cwd=ROOT,
        env={**backup._libpq_env(restore_db), "DATABASE_URL": restore_db},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert restored.returncode == 0, restored.stderr

    after = _fingerprint(restore_db)
    assert before[0]["annotations_review"] == 6
    assert after == before


def test_backup_restore_refuses_missing_file(tmp_path):
    with pytest.raises(SystemExit, match="no such backup file"):
        backup.restore("postgres://postgres@127.0.0.1:5432/x", tmp_path / "missing.dump")
