"""A map tile server for the browser tests: HTTPS (a tile URL must be https) on 127.0.0.1 and a
free port, with a self-signed certificate made for the test (the browser's context is told to
accept it), answering every ``/{z}/{x}/{y}.png`` with a few PNG bytes and keeping the paths it
was asked for."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.images import png


@dataclass
class TileServer:
    port: int
    asked: list[str] = field(default_factory=list)  # the paths asked for, in order


def _certificate(folder: Path, host: str) -> ssl.SSLContext:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "tiles.crt", folder / "tiles.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context


@contextlib.asynccontextmanager
async def tile_server(folder: Path, host: str) -> AsyncIterator[TileServer]:
    """The server, serving until the block ends."""
    tile = png("tile")
    server_state = TileServer(port=0)
    open_connections: set[asyncio.StreamWriter] = set()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        open_connections.add(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                path = head.split(b" ", 2)[1].decode()
                server_state.asked.append(path)
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n"
                    b"Cache-Control: no-store\r\n"
                    + f"Content-Length: {len(tile)}\r\n\r\n".encode()
                    + tile
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError, IndexError):
            pass
        finally:
            open_connections.discard(writer)
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=_certificate(folder, host))
    server_state.port = server.sockets[0].getsockname()[1]
    try:
        yield server_state
    finally:
        server.close()
        for writer in list(open_connections):  # the browser's kept-alive connections
            writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server.wait_closed(), timeout=5)
