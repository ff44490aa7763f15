"""Uploaded pack archives kept between the validation report and the admin's confirmation.

The report and the install are two requests (maybe served by two processes): the zip waits in
``<instance>/pack_uploads/<token>.zip`` under a random token, and goes once installed or
after :data:`KEEP_SECONDS`.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

#: How long an upload that was never installed is kept.
KEEP_SECONDS = 24 * 60 * 60

_TOKEN = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True, slots=True)
class StoredUpload:
    """One uploaded archive: its bytes and the file name it was uploaded under."""

    token: str
    data: bytes
    filename: str


@dataclass(frozen=True, slots=True)
class PackUploads:
    """The folder holding uploaded archives waiting for a confirmation."""

    folder: Path

    def store(self, data: bytes, filename: str) -> str:
        """Keep ``data`` and return the token that finds it again."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self._forget_old()
        token = secrets.token_hex(16)
        (self.folder / f"{token}.zip").write_bytes(data)
        (self.folder / f"{token}.json").write_text(json.dumps({"filename": filename}))
        return token

    def get(self, token: str) -> StoredUpload | None:
        """The upload stored under ``token``, or ``None`` (unknown, installed or expired)."""
        if not _TOKEN.match(token):
            return None
        archive = self.folder / f"{token}.zip"
        try:
            data = archive.read_bytes()
            about = json.loads((self.folder / f"{token}.json").read_text())
        except (OSError, ValueError):
            return None
        return StoredUpload(token=token, data=data, filename=str(about.get("filename") or ""))

    def discard(self, token: str) -> None:
        """Forget the upload stored under ``token`` (it was installed)."""
        if _TOKEN.match(token):
            for suffix in (".zip", ".json"):
                (self.folder / f"{token}{suffix}").unlink(missing_ok=True)

    def _forget_old(self) -> None:
        limit = time.time() - KEEP_SECONDS
        for path in self.folder.glob("*"):
            try:
                if path.stat().st_mtime < limit:
                    path.unlink()
            except OSError:
                continue  # another process removed it first
