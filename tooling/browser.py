"""A real browser for the tests: headless Chromium (Debian's `chromium`, or Google Chrome), taking a
screenshot of a page, and a measure of what the screenshot shows."""

import os
import shutil
import subprocess
import tempfile
import zlib
from pathlib import Path

from .process import skip_or_fail

# No network of its own (updates, sync, QUIC), a new empty profile, the stack's own CA not trusted
# by it: the test checks the certificate itself elsewhere (tests/docker/test_proxy.py).
FLAGS = (
    "--headless",
    "--no-sandbox",  # as root in CI; the page is the test's own
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--ignore-certificate-errors",
    "--hide-scrollbars",
)


def chromium() -> str:
    found = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("google-chrome")
    if not found:
        skip_or_fail("REQUIRE_CHROMIUM", "no chromium (apt-get install chromium), or set CHROMIUM")
    return found


def screenshot(url: str, size: tuple[int, int] = (1000, 900)) -> bytes:
    """The PNG of url as headless Chromium renders it."""
    with tempfile.TemporaryDirectory() as profile:
        shot = Path(profile) / "shot.png"
        subprocess.run(
            [
                chromium(),
                *FLAGS,
                f"--user-data-dir={profile}/user",
                f"--screenshot={shot}",
                f"--window-size={size[0]},{size[1]}",
                url,
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        return shot.read_bytes()


def png_pixels(png: bytes) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of RGB(A) bytes) of an 8-bit RGB or RGBA PNG, decoded with zlib alone."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, data, header = 8, b"", b""
    while pos < len(png):
        length = int.from_bytes(png[pos : pos + 4], "big")
        kind, body = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            data += body
        pos += 12 + length
    width, height = int.from_bytes(header[0:4], "big"), int.from_bytes(header[4:8], "big")
    assert header[8] == 8 and header[9] in (2, 6), "8-bit RGB or RGBA only"
    channels = 3 if header[9] == 2 else 4
    raw, stride, rows, previous = zlib.decompress(data), width * channels, [], bytearray(width * channels)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - channels] if x >= channels else 0
            up, corner = previous[x], previous[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + left) & 255
            elif kind == 2:
                line[x] = (line[x] + up) & 255
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[x] = (line[x] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, [bytes(r[i] for i in range(len(r)) if i % channels < 3) for r in rows]


def count_colour(png: bytes, colour: tuple[int, int, int], tolerance: int = 24) -> int:
    """How many pixels are within tolerance of colour (e.g. the chart's bars)."""
    _, _, rows = png_pixels(png)
    count = 0
    for row in rows:
        for i in range(0, len(row), 3):
            if all(abs(row[i + c] - colour[c]) <= tolerance for c in range(3)):
                count += 1
    return count
