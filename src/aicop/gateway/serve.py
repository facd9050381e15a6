"""Build a gateway from its configuration, and run it (or the mock upstream) under uvicorn.

uvicorn's httptools protocol writes an answer's head and its body with a ``send`` each; on loopback a
``send`` costs the sender most of the receiver's TCP work too, and the two were the largest single
cost of a proxied request. ``CorkedHttpTools`` gives the protocol a transport that gathers what is
written in one step of the event loop and sends it at the end of that step: one ``send`` an answer.
(uvicorn takes a protocol class for ``http``; this one only wraps the transport it is given.)

Under overload most requests are refused, so what a refusal costs decides how much of the processor is
left to the admitted ones. Given the gateway's ``early_refusal``, the protocol asks it as soon as a
POST's headers are parsed and, when it refuses, writes the 503 itself: no task, no ASGI messages, no
body kept (the parser reads it and drops it), the connection kept alive as usual. (In uvicorn's own
``limit_concurrency`` the 503 is still an ASGI task, and nothing records it.)
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aicop.gateway.app import Early, Gateway
from aicop.gateway.auditlog import GatewayLog
from aicop.gateway.config import GatewayConfig, resolve
from aicop.gateway.keys import KeyStore
from aicop.gateway.limiter import Limiter


def audit_log(config: GatewayConfig, base: Path) -> GatewayLog:
    settings = config.audit
    signer = None
    if settings.signing_key:
        from aicop.crypto import load_private_key

        variable = settings.signing_key_password_env
        password = os.environ.get(variable) if variable else None
        signer = load_private_key(resolve(base, settings.signing_key), password)
    sink = None
    if settings.postgres:
        from aicop.gateway.pgsink import PostgresSink

        sink = PostgresSink(settings.postgres)
    return GatewayLog(
        resolve(base, settings.path),
        privacy=settings.privacy,
        durability=settings.durability,
        rotate_bytes=settings.rotate_bytes,
        checkpoint_every=settings.checkpoint_every,
        signer=signer,
        sink=sink,
    )


def build(config: GatewayConfig, base: Path) -> Gateway:
    keys = KeyStore(resolve(base, config.auth.keys)) if config.auth.enabled else None
    if keys is not None:
        keys.load()  # a damaged key file stops the start, with its name
    return Gateway(config, keys, audit_log(config, base), Limiter(config.limits))


def configure_logging(level: str) -> None:
    """The gateway's own lines at ``level`` (its one structured line per request is INFO); the HTTP
    libraries' per-request chatter only with ``debug``."""
    logging.basicConfig(level=level.upper(), format="%(message)s", force=True)
    chatter = logging.DEBUG if level == "debug" else logging.WARNING
    for name in ("httpx", "httpcore", "aiohttp"):
        logging.getLogger(name).setLevel(chatter)


def run(
    app: object,
    host: str,
    port: int,
    access_log: bool = False,
    log_level: str = "warning",
    early: EarlyHook | None = None,
) -> None:
    import uvicorn

    configure_logging(log_level)
    uvicorn.run(
        app,  # type: ignore[arg-type]
        host=host,
        port=port,
        log_level="warning",
        access_log=access_log,
        server_header=False,  # no "server: uvicorn": what runs here is nobody's business
        date_header=True,
        http=corked_protocol(early),
        proxy_headers=False,  # the gateway does not act on X-Forwarded-For
        timeout_graceful_shutdown=10,
    )


class Corked(asyncio.Transport):
    """A transport whose writes in one step of the event loop leave together, in one ``send``."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self.transport, self.loop = transport, loop
        self.pending: list[bytes] = []

    def write(self, data: Any) -> None:
        if not self.pending:
            self.loop.call_soon(self.flush)
        self.pending.append(bytes(data))

    def writelines(self, list_of_data: Any) -> None:
        for data in list_of_data:
            self.write(data)

    def flush(self) -> None:
        if self.pending:
            data = b"".join(self.pending)
            self.pending.clear()
            if not self.transport.is_closing():
                self.transport.write(data)

    def close(self) -> None:
        self.flush()
        self.transport.close()

    def abort(self) -> None:
        self.pending.clear()
        self.transport.abort()

    def is_closing(self) -> bool:
        return self.transport.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self.transport.get_extra_info(name, default)

    def pause_reading(self) -> None:
        self.transport.pause_reading()

    def resume_reading(self) -> None:
        self.transport.resume_reading()

    def is_reading(self) -> bool:
        return self.transport.is_reading()

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self.transport.set_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self.transport.get_protocol()

    def get_write_buffer_size(self) -> int:
        return self.transport.get_write_buffer_size() + sum(len(p) for p in self.pending)

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self.transport.set_write_buffer_limits(high, low)

    def can_write_eof(self) -> bool:
        return self.transport.can_write_eof()

    def write_eof(self) -> None:
        self.flush()
        self.transport.write_eof()


EarlyHook = Callable[[bytes, list[tuple[bytes, bytes]]], Early | None]


class _Answered:
    """Stands for uvicorn's request cycle once the protocol answered a request itself: complete, so
    the parser's body callbacks drop what follows and the next request on the connection starts."""

    response_complete = True
    disconnected = False
    keep_alive = True

    class message_event:  # the name uvicorn's cycle gives it
        @staticmethod
        def set() -> None:
            pass


ANSWERED = _Answered()


# The uvicorn releases whose httptools protocol the early refusal was written and tested against: it
# reads the protocol's own state (its parser, url, headers and request cycle), which a release may
# rename. On another release the refusal is made by the application as before (a task, the same 503,
# record and metrics; only dearer), never a broken request; tests/gateway/test_admission.py says which.
EARLY_UVICORN = ((0, 54), (0, 55))  # from, up to but not including: 0.54 is the one tested


def early_refusal_supported() -> bool:
    """Whether the installed uvicorn is one the header-level refusal was tested on (EARLY_UVICORN)."""
    import uvicorn

    try:
        version = tuple(int(part) for part in uvicorn.__version__.split(".")[:2])
    except ValueError:
        return False
    return EARLY_UVICORN[0] <= version < EARLY_UVICORN[1]


def corked_protocol(early: EarlyHook | None = None) -> type[asyncio.Protocol] | str:
    """uvicorn's httptools protocol on a corked transport, or "auto" where httptools is missing; with
    ``early``, a POST it refuses is answered on its headers alone (the module's docstring), on the
    uvicorn releases that was tested on."""
    try:
        from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
    except ImportError:  # httptools is a dependency; without it uvicorn falls back to h11
        return "auto"
    if not early_refusal_supported():
        early = None

    class CorkedHttpTools(HttpToolsProtocol):
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(Corked(transport, self.loop))

        def on_headers_complete(self) -> None:
            if (
                early is not None
                and (self.cycle is None or self.cycle.response_complete)  # not behind a pipelined one
                and self.parser.get_method() == b"POST"
            ):
                answer = early(self.url.partition(b"?")[0], self.headers)
                if answer is not None:
                    self._answer(*answer)
                    return
            super().on_headers_complete()

        def _answer(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
            keep_alive = self.parser.should_keep_alive()
            content = [STATUS_LINE[status]]
            for name, value in [*self.server_state.default_headers, *headers]:
                content += [name, b": ", value, b"\r\n"]
            content += [b"content-length: ", str(len(body)).encode(), b"\r\n"]
            if not keep_alive:
                content.append(b"connection: close\r\n")
            content += [b"\r\n", body]
            self.cycle = ANSWERED  # type: ignore[assignment]
            self.transport.write(b"".join(content))
            if keep_alive:
                self.on_response_complete()  # counted; the keep-alive timer armed
            else:
                self.transport.close()

    return CorkedHttpTools
