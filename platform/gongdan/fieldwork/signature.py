"""Customer signatures: a PNG data URL from the signature pad, checked before it is stored.

Pure functions (no IO): a browser can post anything in the hidden input, so the server decodes
the data URL itself and accepts only a well-formed PNG — signature bytes, an ``IHDR`` chunk with
sane dimensions first, every chunk's CRC right, ``IEND`` last — under a size limit.
"""

from __future__ import annotations

import base64
import binascii
import struct
import zlib
from dataclasses import dataclass

from flask_babel import gettext

from gongdan.errors import ValidationFailed

#: Largest decoded signature accepted (bytes). A 600×200 pad drawn by hand is ~5–30 KB.
MAX_SIGNATURE_BYTES = 512 * 1024

#: Largest width or height accepted (pixels): larger means the image was not drawn on the pad.
MAX_SIGNATURE_SIDE = 4000

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DATA_URL_PREFIX = "data:image/png;base64,"


@dataclass(frozen=True)
class SignatureImage:
    """A verified PNG signature ready to be stored as an attachment."""

    data: bytes
    width: int
    height: int

    @property
    def content_type(self) -> str:
        return "image/png"


def _invalid(field_key: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field_key: message})


def decode_signature(data_url: str, *, field_key: str) -> SignatureImage:
    """Decode and verify a ``data:image/png;base64,...`` URL drawn on the signature pad.

    :raises ValidationFailed: (keyed by ``field_key``) when it is empty, not a PNG data URL,
        too large, or not a well-formed PNG image.
    """
    text = (data_url or "").strip()
    if not text:
        raise _invalid(field_key, gettext("The customer has not signed yet."))
    if not text.startswith(DATA_URL_PREFIX):
        raise _invalid(field_key, gettext("The signature must be a PNG image."))
    encoded = text[len(DATA_URL_PREFIX) :]
    # base64 grows data by 4/3; refuse before decoding so a huge post costs nothing.
    if len(encoded) > (MAX_SIGNATURE_BYTES * 4) // 3 + 4:
        raise _invalid(field_key, _too_large())
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise _invalid(field_key, gettext("The signature is not valid base64 data.")) from None
    if len(data) > MAX_SIGNATURE_BYTES:
        raise _invalid(field_key, _too_large())
    problem, width, height = png_problem(data)
    if problem is not None:
        raise _invalid(field_key, problem)
    return SignatureImage(data=data, width=width, height=height)


def _too_large() -> str:
    return gettext(
        "The signature image is larger than %(limit)d KB.", limit=MAX_SIGNATURE_BYTES // 1024
    )


def png_problem(data: bytes) -> tuple[str | None, int, int]:
    """Why ``data`` is not a well-formed PNG (``None`` when it is), and its width and height."""
    not_png = gettext("The signature is not a PNG image.")
    if not data.startswith(PNG_MAGIC):
        return not_png, 0, 0
    position = len(PNG_MAGIC)
    width = height = 0
    first = True
    while position + 12 <= len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        end = position + 12 + length
        if end > len(data):
            return gettext("The signature image is truncated."), 0, 0
        body = data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length : end])
        if zlib.crc32(kind + body) & 0xFFFFFFFF != crc:
            return gettext("The signature image is damaged."), 0, 0
        if first:
            if kind != b"IHDR" or length != 13:
                return not_png, 0, 0
            width, height = struct.unpack(">II", body[:8])
            if not (0 < width <= MAX_SIGNATURE_SIDE and 0 < height <= MAX_SIGNATURE_SIDE):
                return gettext("The signature image has an unusual size."), 0, 0
            first = False
        if kind == b"IEND":
            if end != len(data):
                return not_png, 0, 0
            return None, width, height
        position = end
    return gettext("The signature image is truncated."), 0, 0
