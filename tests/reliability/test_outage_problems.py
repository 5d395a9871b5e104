"""Which errors mean "the database is away" (a 503 the client may retry) and which are faults
of Tinget's own (a 500)."""

from __future__ import annotations

import asyncpg
import pytest

from gateway.problems import database_away


def _caused_by(cause: BaseException) -> RuntimeError:
    try:
        try:
            raise cause
        except BaseException as inner:
            raise RuntimeError("the append failed") from inner
    except RuntimeError as outer:
        return outer


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connection refused"),
        ConnectionResetError(104, "Connection reset by peer"),
        TimeoutError(),
        asyncpg.CannotConnectNowError("the database system is starting up"),
        asyncpg.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.TooManyConnectionsError("sorry, too many clients already"),
        asyncpg.InterfaceError("cannot call Connection.fetch(): connection is closed"),
        OSError(113, "No route to host"),
        _caused_by(ConnectionRefusedError(111, "Connection refused")),
    ],
    ids=repr,
)
def test_an_unreachable_database_is_a_503(error: BaseException) -> None:
    assert database_away(error)


@pytest.mark.parametrize(
    "error",
    [
        ValueError("bad"),
        KeyError("x"),
        asyncpg.UniqueViolationError("duplicate key"),
        asyncpg.UndefinedColumnError("column does not exist"),
        asyncpg.InterfaceError("cannot perform operation: another operation is in progress"),
        FileNotFoundError(2, "No such file or directory"),
        _caused_by(ValueError("bad")),
    ],
    ids=repr,
)
def test_a_fault_of_tinget_is_not(error: BaseException) -> None:
    assert not database_away(error)
