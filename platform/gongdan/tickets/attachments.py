"""Attachment files: allowed types, size limits, content sniffing and where the bytes live.

Files are stored once per content under ``<instance>/attachments/<sha256[:2]>/<sha256>``; the
database row keeps the (sanitized) name, the declared-and-verified content type and the hash.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gongdan.errors import ValidationFailed

#: Allowed when an attachment belongs to no form field (or the field declares no ``accept``).
DEFAULT_ACCEPT: tuple[str, ...] = (
    "image/*",
    "application/pdf",
    "text/plain",
    "text/csv",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
)

#: Size limit when the field declares no ``max_size_mb``.
DEFAULT_MAX_SIZE_MB = 10

# Magic bytes of the types whose content we verify.
_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"%PDF-", 0, "application/pdf"),
    (b"BM", 0, "image/bmp"),
)
_UNSAFE = re.compile(r"[^\w.\- ()\[\]]+", re.UNICODE)


def sniff_content_type(data: bytes) -> str | None:
    """The content type the bytes show (PNG, JPEG, GIF, WebP, BMP, PDF), or ``None``."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    for magic, offset, content_type in _MAGIC:
        if data[offset : offset + len(magic)] == magic:
            return content_type
    return None


def sanitize_filename(filename: str) -> str:
    """A safe file name: no directories, no control characters, at most 200 characters."""
    name = unicodedata.normalize("NFC", filename or "").replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE.sub("_", name).strip(" .")
    if len(name) > 200:
        stem, dot, extension = name.rpartition(".")
        name = (stem[:190] + dot + extension[:9]) if dot else name[:200]
    return name or "file"


def _accepted(content_type: str, accept: Sequence[str]) -> bool:
    for pattern in accept:
        pattern = pattern.strip().lower()
        if pattern.endswith("/*") and content_type.startswith(pattern[:-1]):
            return True
        if pattern == content_type:
            return True
    return False


def check_upload(
    filename: str, content_type: str, data: bytes, field_spec: Any | None
) -> tuple[str, str]:
    """Check an upload against the field's ``accept`` and ``max_size_mb`` (or the defaults).

    :returns: ``(safe filename, content type)``; the type is the sniffed one when known.
    :raises ValidationFailed: empty, too big, a type not accepted, or content that is not what
        its declared type says (a script named ``photo.png``).
    """
    key = "file"
    accept: Sequence[str] = DEFAULT_ACCEPT
    max_mb: float = DEFAULT_MAX_SIZE_MB
    if field_spec is not None:
        key = str(field_spec.get("key", key))
        if field_spec.get("type") == "signature":
            accept = ("image/png",)
        elif field_spec.get("accept"):
            accept = tuple(str(a) for a in field_spec["accept"])
        if isinstance(field_spec.get("max_size_mb"), int | float):
            max_mb = float(field_spec["max_size_mb"])
    declared = (content_type or "application/octet-stream").split(";")[0].strip().lower()
    name = sanitize_filename(filename)
    if not data:
        raise ValidationFailed(f"{name!r} is empty", {key: "the file is empty"})
    limit = int(max_mb * 1024 * 1024)
    if len(data) > limit:
        message = f"{name!r} is {len(data) / 1048576:.1f} MB, more than the limit of {max_mb:g} MB"
        raise ValidationFailed(message, {key: message})
    sniffed = sniff_content_type(data)
    if (declared.startswith("image/") or declared == "application/pdf") and sniffed != declared:
        shows = sniffed or "something else"
        message = f"{name!r} is declared as {declared} but its content is {shows}"
        raise ValidationFailed(message, {key: message})
    actual = sniffed or declared
    if not _accepted(actual, accept):
        message = f"{name!r}: type {actual} is not allowed here (allowed: {', '.join(accept)})"
        raise ValidationFailed(message, {key: message})
    return name, actual


def storage_key(sha256: str) -> str:
    """The path of a file's bytes relative to the attachment folder."""
    return f"{sha256[:2]}/{sha256}"


def storage_root(instance_path: str | os.PathLike[str]) -> Path:
    """The attachment folder under the instance folder."""
    return Path(instance_path) / "attachments"


def store_bytes(instance_path: str | os.PathLike[str], data: bytes) -> tuple[str, str]:
    """Write ``data`` (once per content) and return ``(sha256, storage key)``."""
    digest = hashlib.sha256(data).hexdigest()
    key = storage_key(digest)
    path = storage_root(instance_path) / key
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{digest}.{os.getpid()}.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, path)  # atomic: a reader never sees half a file
    return digest, key


def attachment_path(app_or_instance_path: Any, attachment: Any) -> Path:
    """Where the bytes of ``attachment`` live (pass the Flask app or its instance path)."""
    instance = getattr(app_or_instance_path, "instance_path", app_or_instance_path)
    return storage_root(instance) / attachment.storage_key


def default_instance_path() -> Path:
    """The current app's instance folder, else the configured default one."""
    try:
        from flask import current_app, has_app_context

        if has_app_context():
            return Path(current_app.instance_path)
    except ImportError:  # pragma: no cover - Flask is a dependency
        pass
    from gongdan.app import default_instance_path as configured

    return configured()
