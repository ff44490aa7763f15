"""Signature data URLs: only a well-formed PNG under the size limit gets through."""

from __future__ import annotations

import base64
import struct
import zlib

import pytest
from tests.gongdan.fieldwork.factories import png_bytes, png_data_url

from gongdan.errors import ValidationFailed
from gongdan.fieldwork.signature import MAX_SIGNATURE_BYTES, decode_signature, png_problem


def _message(data_url: str) -> str:
    with pytest.raises(ValidationFailed) as raised:
        decode_signature(data_url, field_key="sig")
    assert set(raised.value.fields) == {"sig"}
    return raised.value.message


def test_a_real_png_is_accepted_with_its_size() -> None:
    image = decode_signature(png_data_url(png_bytes(120, 40)), field_key="sig")
    assert (image.width, image.height, image.content_type) == (120, 40, "image/png")
    assert image.data == png_bytes(120, 40)


@pytest.mark.parametrize(
    ("data_url", "expected"),
    [
        ("", "The customer has not signed yet."),
        ("data:image/jpeg;base64,/9j/4AAQ", "The signature must be a PNG image."),
        ("javascript:alert(1)", "The signature must be a PNG image."),
        ("data:image/png;base64,@@@", "The signature is not valid base64 data."),
        ("data:image/png;base64," + base64.b64encode(b"GIF89a....").decode(), "not a PNG"),
        (png_data_url(png_bytes()[:-4]), "truncated"),
        (png_data_url(png_bytes() + b"junk"), "not a PNG"),
    ],
)
def test_anything_else_is_refused(data_url: str, expected: str) -> None:
    assert expected in _message(data_url)


def test_a_damaged_chunk_is_refused() -> None:
    data = bytearray(png_bytes())
    data[40] ^= 0xFF  # inside the IDAT chunk: its CRC no longer matches
    assert "damaged" in _message(png_data_url(bytes(data)))


def test_an_absurd_size_or_a_missing_header_is_refused() -> None:
    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    huge = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 100000, 10, 8, 0, 0, 0, 0))
    assert png_problem(huge + chunk(b"IEND", b""))[0] == "The signature image has an unusual size."
    no_header = b"\x89PNG\r\n\x1a\n" + chunk(b"IEND", b"")
    assert png_problem(no_header)[0] == "The signature is not a PNG image."


def test_an_oversized_signature_is_refused_before_decoding() -> None:
    too_big = "data:image/png;base64," + "A" * (MAX_SIGNATURE_BYTES * 2)
    assert "larger than 512 KB" in _message(too_big)
