"""The embedded PostgreSQL starts wherever Tinget sits, without opening anyone's folders.

As root, PostgreSQL runs as its own account, which cannot pass through a folder of mode 700
(a home folder, a fresh ``mktemp -d``, pytest's temporary folders): neither to the data nor, when
the checkout is inside one, to pgserver's binaries in the virtualenv. These run where CI runs:
as root, in such a folder.
"""

from __future__ import annotations

import asyncio
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from tinget.embedded import (
    RELOCATED_DATA,
    SERVER_ACCOUNT,
    EmbeddedPostgres,
    pginstall,
    reaches,
    server_account,
)

pytestmark = pytest.mark.skipif(
    server_account() is None, reason="only root runs PostgreSQL as another account"
)


@pytest.fixture
def private_folder() -> Iterator[Path]:
    """A folder only root may enter, as ``mktemp -d`` makes it."""
    folder = Path(tempfile.mkdtemp(prefix="tinget-private-"))
    folder.chmod(0o700)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def ask(url: str) -> tuple[str, int]:
    async def query() -> tuple[str, int]:
        connection = await asyncpg.connect(url)
        try:
            row = await connection.fetchrow("SELECT current_user, 41 + 1 AS answer")
            assert row is not None
            return str(row["current_user"]), int(row["answer"])
        finally:
            await connection.close()

    return asyncio.run(query())


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def start_and_ask(server: EmbeddedPostgres) -> None:
    try:
        assert ask(server.start()) == ("postgres", 42)
        account = server_account()
        assert account is not None
        assert server.data.stat().st_uid == account.pw_uid
        assert mode(server.data) == 0o700
    finally:
        server.stop()


def test_data_in_a_folder_of_mode_700_starts_and_answers(private_folder: Path) -> None:
    account = server_account()
    assert not reaches(account, private_folder)
    server = EmbeddedPostgres(private_folder / "data")
    try:
        start_and_ask(server)
        # The data sits where the account can reach it, and the data folder leads to it.
        link = private_folder / "data" / "postgres"
        assert link.is_symlink()
        assert (link / "PG_VERSION").exists()
        assert link.resolve().is_relative_to(RELOCATED_DATA)
        assert mode(private_folder) == 0o700  # not opened up to make that work

        # The next start finds what the last one left.
        start_and_ask(EmbeddedPostgres(private_folder / "data"))
    finally:
        shutil.rmtree((private_folder / "data" / "postgres").resolve().parent, ignore_errors=True)


def test_binaries_in_a_folder_of_mode_700_start_and_answer(private_folder: Path) -> None:
    """A checkout in a private folder: its virtualenv's pgserver binaries are out of reach."""
    site = private_folder / "venv" / "site-packages"
    shutil.copytree(pginstall().parent, site / "pgserver", symlinks=True)
    shutil.copytree(pginstall().parent.parent / "pgserver.libs", site / "pgserver.libs")
    install = site / "pgserver" / "pginstall"
    data_parent = Path(tempfile.mkdtemp(prefix="tinget-reachable-"))
    data_parent.chmod(0o755)
    server = EmbeddedPostgres(data_parent / "data", install=install)
    try:
        start_and_ask(server)
        assert (data_parent / "data" / "postgres" / "PG_VERSION").exists()
        assert not (data_parent / "data" / "postgres").is_symlink()
        assert mode(private_folder) == 0o700
        assert mode(install / "bin") == mode(pginstall() / "bin")
    finally:
        shutil.rmtree(data_parent, ignore_errors=True)


def test_the_server_account_gets_no_group_of_roots(private_folder: Path) -> None:
    """Running as the account means its own groups only, not root's group 0 as well."""
    server = EmbeddedPostgres(private_folder / "data")
    try:
        url = server.start()
        pid = int((server.data / "postmaster.pid").read_text().splitlines()[0])
        status = Path(f"/proc/{pid}/status").read_text()
        ids = {line.split(":")[0]: line.split()[1:] for line in status.splitlines()}
        account = server_account()
        assert account is not None
        assert account.pw_name == SERVER_ACCOUNT
        assert ids["Uid"][0] == str(account.pw_uid)
        assert ids["Gid"][0] == str(account.pw_gid)
        assert "0" not in ids["Groups"]
        assert ask(url)[1] == 42
    finally:
        server.stop()
        shutil.rmtree((private_folder / "data" / "postgres").resolve().parent, ignore_errors=True)


def test_a_second_start_uses_the_running_server_and_leaves_it_running(
    private_folder: Path,
) -> None:
    """Another ``tinget`` command on the same data shares the server; its starter stops it."""
    first = EmbeddedPostgres(private_folder / "data")
    second = EmbeddedPostgres(private_folder / "data")
    try:
        url = first.start()
        assert second.start() == url
        second.stop()
        assert ask(url)[1] == 42
        first.stop()
        assert not (first.data / "postmaster.pid").exists()
    finally:
        first.stop()
        shutil.rmtree((private_folder / "data" / "postgres").resolve().parent, ignore_errors=True)
