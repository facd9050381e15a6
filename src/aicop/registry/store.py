"""Where the objects are: a URL listed through fsspec, each object read by byte range.

``s3://`` (and any S3-compatible endpoint), ``gs://`` and ``az://`` go through their fsspec packages
(s3fs, gcsfs, adlfs: the optional extras ``s3``, ``gcs``, ``azure``), which take credentials from
each cloud's usual chain (environment variables, configuration and credential files, instance or
workload identity). aicop never reads or stores credentials of its own. A local path is read with
``os`` directly, and a Hugging Face cache mirror (``models--org--name`` with ``snapshots/`` and
``blobs/``) is listed by its snapshots, whose files are links into ``blobs/``.

What each store says of an object is kept (size, ETag, version id or generation, modification time,
checksum): ``state`` compares them to tell an unchanged object from a changed one.
"""

from __future__ import annotations

import os
import stat as statmod
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aicop.errors import InputError
from aicop.registry.urls import REMOTE, is_url
from aicop.scan.ranged import RangeReader

EXTRA = {"s3fs": "s3", "gcsfs": "gcs", "adlfs": "azure"}


@dataclass(frozen=True)
class ObjectInfo:
    """One object as the listing saw it. ``key`` is its path below the listed prefix."""

    key: str
    path: str  # what the store's filesystem calls it (bucket/key for object stores)
    url: str  # what reports show
    size: int
    etag: str | None = None
    version: str | None = None  # S3 VersionId, GCS generation, Azure version id
    mtime: str | None = None
    checksum: str | None = None  # GCS md5/crc32c, Azure Content-MD5, a local file's inode and ctime

    def identity(self) -> dict[str, Any]:
        return {
            "size": self.size,
            "etag": self.etag,
            "version": self.version,
            "mtime": self.mtime,
            "checksum": self.checksum,
        }


@dataclass(frozen=True)
class StoreSpec:
    """What a worker needs to open the same store: no credentials, they come from its environment."""

    url: str
    endpoint_url: str | None = None

    def open(self) -> Store:
        return Store(self)


def _text(value: object) -> str | None:
    if value is None or value == "":
        return None
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


class Store:
    def __init__(self, spec: StoreSpec) -> None:
        self.spec = spec
        url = spec.url
        if is_url(url):
            protocol, rest = url.split("://", 1)
            self.protocol = protocol.lower()
            self.root = rest.strip("/")
            self.fs = _filesystem(self.protocol, spec.endpoint_url)
        else:
            self.protocol = "file"
            self.root = str(Path(url))
            self.fs = None

    # ------------------------------------------------------------------ listing
    def list(self) -> list[ObjectInfo]:
        """Every object below the URL, in key order. Raises InputError naming the URL and the problem."""
        if self.fs is None:
            return _list_local(Path(self.root))
        try:
            found = self.fs.find(self.root, detail=True)
            if not found and self.fs.isfile(self.root):
                found = {self.root: self.fs.info(self.root)}
        except FileNotFoundError as err:
            raise InputError(f"the bucket or prefix does not exist ({err})", path=self.spec.url) from err
        except PermissionError as err:
            raise InputError(_denied(err), path=self.spec.url) from err
        except Exception as err:  # the store's own client errors (botocore's NoCredentialsError, …)
            raise InputError(_problem(err), path=self.spec.url) from err
        objects = [self._info(path, info) for path, info in sorted(found.items())]
        return [o for o in objects if not o.key.endswith("/")]

    def _info(self, path: str, info: dict[str, Any]) -> ObjectInfo:
        key = path[len(self.root) :].lstrip("/") or path.rsplit("/", 1)[-1]
        content = info.get("content_settings") or {}
        return ObjectInfo(
            key=key,
            path=path,
            url=f"{self.protocol}://{path}",
            size=int(info.get("size") or info.get("Size") or 0),
            etag=_text(info.get("ETag") or info.get("etag")),
            version=_text(info.get("VersionId") or info.get("generation") or info.get("version_id")),
            mtime=_text(info.get("LastModified") or info.get("updated") or info.get("last_modified")),
            checksum=_text(
                info.get("md5Hash") or info.get("crc32c") or getattr(content, "content_md5", None)
            ),
        )

    # ------------------------------------------------------------------ reading
    def reader(self, obj: ObjectInfo) -> RangeReader:
        """The object's bytes by range, pinned to the listed version where the store has versions."""
        if self.fs is None:
            return _local_reader(obj)
        fs, path = self.fs, obj.path
        pinned = {"version_id": obj.version} if obj.version and self.protocol in ("s3", "s3a") else {}

        def fetch(start: int, end: int) -> bytes:
            return bytes(fs.cat_file(path, start=start, end=end, **pinned))

        def fetch_many(ranges: Any) -> list[bytes]:
            if pinned:  # cat_ranges takes no version: one pinned request each
                return [fetch(s, e) for s, e in ranges]
            out = fs.cat_ranges([path] * len(ranges), [s for s, _ in ranges], [e for _, e in ranges])
            for item in out:
                if isinstance(item, BaseException):
                    raise item
            return [bytes(b) for b in out]

        return RangeReader(obj.url, obj.size, fetch, fetch_many)


def s3_endpoint(endpoint_url: str | None) -> str | None:
    """An S3-compatible store's endpoint: the one given, else AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL."""
    return endpoint_url or os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")


def _filesystem(protocol: str, endpoint_url: str | None) -> Any:
    package = REMOTE[protocol]
    try:
        import fsspec  # type: ignore[import-untyped]
    except ImportError:
        raise InputError(f"{protocol}:// needs fsspec: pip install 'aicop[{EXTRA[package]}]'") from None
    options: dict[str, Any] = {}
    if package == "s3fs":
        endpoint = s3_endpoint(endpoint_url)
        if endpoint:
            options["endpoint_url"] = endpoint
        options["version_aware"] = True  # listings carry version ids, and reads are pinned to them
        options["session"] = _s3_session()
    elif endpoint_url:
        raise InputError(f"--endpoint-url is for S3-compatible stores, not {protocol}://")
    try:
        return fsspec.filesystem("s3" if package == "s3fs" else protocol, **options)
    except ImportError:
        raise InputError(
            f"{protocol}:// needs the {package} package: pip install 'aicop[{EXTRA[package]}]'"
        ) from None


_SESSIONS: dict[tuple[tuple[str, str], ...], Any] = {}


def _s3_session() -> Any:
    """An aiobotocore session whose responses read ISO 8601 timestamps with ``datetime``: botocore
    reads each with dateutil, which was two thirds of the CPU of listing 10,000 objects (every listed
    version has a LastModified). Credentials come from the session's usual chain, as before. One
    session per set of ``AWS_*`` variables, so that fsspec's cache hands back the same filesystem
    within a run, and a changed environment (other credentials) gets a session of its own."""
    environment = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("AWS_")))
    if environment not in _SESSIONS:
        try:
            from aiobotocore.session import AioSession  # type: ignore[import-untyped]
        except ImportError:
            raise InputError("s3:// needs the s3fs package: pip install 'aicop[s3]'") from None
        session = AioSession()
        session.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=_timestamp)
        _SESSIONS[environment] = session
    return _SESSIONS[environment]


def _timestamp(value: Any) -> Any:
    """What botocore's parser makes of a timestamp, the same datetime, without dateutil for the ISO
    8601 form with a zone that S3 lists (``2026-11-29T07:10:00.000Z``); any other form goes to
    botocore's own parser (HTTP dates in headers, epoch numbers)."""
    from datetime import datetime

    if isinstance(value, str) and len(value) >= 20 and value[10:11] == "T":
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return parsed
    from botocore.utils import parse_timestamp  # type: ignore[import-untyped]

    return parse_timestamp(value)


def _denied(err: BaseException) -> str:
    return (
        f"access denied: the store refused the credentials, or they have expired ({err}); aicop takes "
        "them only from the store's usual environment and configuration chain"
    )


def _problem(err: BaseException) -> str:
    name = type(err).__name__
    if "Credential" in name or "Token" in name or "Expired" in str(err):
        return _denied(err)
    return f"cannot list: {name}: {err}"


# ---------------------------------------------------------------------- local paths and HF mirrors
def _is_hf_mirror(root: Path) -> bool:
    return (root / "snapshots").is_dir() and (root / "blobs").is_dir()


def _local_info(root: Path, path: Path) -> ObjectInfo:
    st = path.stat()  # follows a mirror's link to its blob
    key = path.relative_to(root).as_posix() if path != root else path.name
    checksum = f"ino {st.st_ino} ctime {st.st_ctime_ns}"
    if path.is_symlink():  # an HF mirror: the blob is named after its content's hash
        checksum = f"blob {path.readlink().name}"
    return ObjectInfo(key, str(path), str(path), st.st_size, None, None, str(st.st_mtime_ns), checksum)


def _list_local(root: Path) -> list[ObjectInfo]:
    if not root.exists():
        raise InputError("no such file or directory", path=root)
    if root.is_file():
        return [_local_info(root, root)]
    top = root / "snapshots" if _is_hf_mirror(root) else root
    base = root.resolve()
    out: list[ObjectInfo] = []
    for directory, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d not in (".git", ".hg", ".svn"))
        for name in sorted(files):
            path = Path(directory) / name
            if path.is_symlink():
                target = path.resolve()
                if not target.is_relative_to(base) or not target.is_file():
                    continue  # only a mirror's links into its own blobs are followed
            elif not statmod.S_ISREG(path.lstat().st_mode):
                continue
            out.append(_local_info(root, path))
    return sorted(out, key=lambda o: o.key)


def _local_reader(obj: ObjectInfo) -> RangeReader:
    path = obj.path

    def fetch(start: int, end: int) -> bytes:
        with open(path, "rb") as handle:  # noqa: PTH123
            return os.pread(handle.fileno(), end - start, start)

    return RangeReader(obj.url, obj.size, fetch, None)
