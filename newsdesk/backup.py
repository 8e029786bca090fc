"""`make backup` / `make restore`: pg_dump and pg_restore of the database behind DATABASE_URL.

    python -m newsdesk.backup dump [--output FILE]     custom-format dump (default backups/…)
    python -m newsdesk.backup restore FILE [--yes]     replace the database's contents with FILE

pg_dump refuses to dump a newer server than itself, so the client is chosen by version: the one
on PATH when it is new enough, otherwise the one bundled with the embedded PostgreSQL.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent


def _libpq_env(url: str) -> dict[str, str]:
    parts = urlsplit(url)
    netloc_host = parts.netloc.rpartition("@")[2].rsplit(":", 1)[0]
    host = unquote(netloc_host) if "%2F" in netloc_host else (parts.hostname or "")
    env = {
        **os.environ,
        "PGHOST": host,
        "PGPORT": str(parts.port or 5432),
        "PGUSER": unquote(parts.username or "postgres"),
        "PGDATABASE": unquote(parts.path.lstrip("/")),
    }
    if parts.password:
        env["PGPASSWORD"] = unquote(parts.password)
    return env


def _major(version_output: str) -> int:
    match = re.search(r"(\d+)(?:\.\d+)?", version_output)
    return int(match.group(1)) if match else 0


def _server_major(env: dict[str, str]) -> int:
    import psycopg

    with psycopg.connect(
        host=env["PGHOST"],
        port=env["PGPORT"],
        user=env["PGUSER"],
        dbname=env["PGDATABASE"],
        password=env.get("PGPASSWORD"),
        connect_timeout=5,
    ) as conn:
        return int(conn.info.server_version) // 10000


def _client(tool: str, server_major: int) -> str:
    candidates = [shutil.which(tool)]
    try:
        import pgserver

        candidates.append(str(Path(pgserver.__file__).parent / "pginstall" / "bin" / tool))
    except ImportError:
        pass
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            out = subprocess.run([candidate, "--version"], capture_output=True, text=True)
            if _major(out.stdout) >= server_major:
                return candidate
    raise SystemExit(f"no {tool} of version {server_major} or newer was found")


def dump(url: str, output: Path) -> Path:
    env = _libpq_env(url)
    output.parent.mkdir(parents=True, exist_ok=True)
    tool = _client("pg_dump", _server_major(env))
    subprocess.run(
        [tool, "--format=custom", "--no-owner", "--file", str(output)], env=env, check=True
    )
    return output


def restore(url: str, source: Path) -> None:
    if not source.is_file():
        raise SystemExit(f"no such backup file: {source}")
    env = _libpq_env(url)
    tool = _client("pg_restore", _server_major(env))
    subprocess.run(
        [
            tool,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            env["PGDATABASE"],
            str(source),
        ],
        env=env,
        check=True,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m newsdesk.backup")
    sub = parser.add_subparsers(dest="action", required=True)
    dump_parser = sub.add_parser("dump")
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    dump_parser.add_argument(
        "--output", type=Path, default=ROOT / "backups" / f"newsdesk-{stamp}.dump"
    )
    restore_parser = sub.add_parser("restore")
    restore_parser.add_argument("file", type=Path)
    restore_parser.add_argument(
        "--yes", action="store_true", help="do not ask before replacing the database's contents"
    )
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/newsdesk")
    if args.action == "dump":
        print(f"backup written to {dump(url, args.output)}")
        return 0
    if not args.yes:
        answer = input(
            f"Replace everything in {urlsplit(url).path.lstrip('/')} with {args.file}? [y/N] "
        )
        if answer.strip().lower() != "y":
            print("restore cancelled")
            return 1
    restore(url, args.file)
    print(f"restored {args.file}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
