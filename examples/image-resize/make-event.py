#!/usr/bin/env python3
"""Writes event.json: a generated 1024x768 RGB PNG (a gradient with rings),
base64 in the event, to be resized to 256 pixels wide. Standard library only,
so the sample image has its source beside it."""
import base64, json, math, struct, zlib

WIDTH, HEIGHT = 1024, 768

def pixel(x, y):
    ring = 0.5 + 0.5 * math.cos(math.hypot(x - 600, y - 300) / 24)
    return (x * 255 // (WIDTH - 1), y * 255 // (HEIGHT - 1), int(80 + 175 * ring))

def png(width, height):
    rows = bytearray()
    for y in range(height):
        rows.append(1)  # filter "Sub": each byte minus the one to its left
        previous = (0, 0, 0)
        for x in range(width):
            current = pixel(x, y)
            rows.extend((c - p) & 0xFF for c, p in zip(current, previous))
            previous = current
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + chunk(b"IEND", b""))

event = {"image": base64.b64encode(png(WIDTH, HEIGHT)).decode(), "width": 256}
with open("event.json", "w") as f:
    json.dump(event, f)
    f.write("\n")
