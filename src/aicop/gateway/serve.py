"""Build a gateway from its configuration, and run it (or the mock upstream) under uvicorn."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from aicop.gateway.app import Gateway
from aicop.gateway.auditlog import GatewayLog
from aicop.gateway.config import GatewayConfig
from aicop.gateway.keys import KeyStore
from aicop.gateway.limiter import Limiter


def resolve(base: Path, value: str) -> Path:
    """A path of gateway.yaml, relative to the directory the file is in."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else base / path


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


def run(app: object, host: str, port: int, access_log: bool = False, log_level: str = "warning") -> None:
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
        timeout_graceful_shutdown=10,
    )
