#!/usr/bin/env python3
"""Introduction flood for the integration tests: IHellos naming peer IDs,
sealed under the RTMFP default key, sent as fast as asked from one or more
source addresses, without waiting for anything.

  rtmfp_flood.py SERVER:PORT --duration S --pps N [--source IP]...
                 [--peer-id HEX]... [--unknown N] [--malformed N]

The packets cycle over: every --peer-id given (real targets), N made-up peer
IDs (--unknown) and N EPDs whose fingerprint option is 31 bytes
(--malformed, not a peer ID at all). Prints one JSON line: {"sent": ...}.

Packet layout (RFC 7016 §2.2, RFC 7425 §4.7): scrambled session ID 0, then
AES-128-CBC (key "Adobe Systems 02", IV 0) of checksum, flags 0x0b,
timestamp, the IHello chunk (0x30), 0xff padding to the block.
"""
import argparse
import json
import os
import socket
import struct
import subprocess
import sys
import time

DEFAULT_KEY = b"Adobe Systems 02"


def aes_cbc_zero_iv(plain):
    try:
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
        enc = Cipher(algorithms.AES(DEFAULT_KEY), modes.CBC(bytes(16))).encryptor()
        return enc.update(plain) + enc.finalize()
    except ImportError:
        p = subprocess.run(["openssl", "enc", "-aes-128-cbc", "-K", DEFAULT_KEY.hex(), "-iv", "00" * 16, "-nopad"],
                           input=plain, stdout=subprocess.PIPE, check=True)
        return p.stdout


def checksum(b):
    s = 0
    for i in range(0, len(b) - 1, 2):
        s += (b[i] << 8) | b[i + 1]
    if len(b) % 2:
        s += b[-1]
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


def vlu(n):
    out = [n & 0x7f]
    n >>= 7
    while n:
        out.append(0x80 | (n & 0x7f))
        n >>= 7
    return bytes(reversed(out))


def ihello_datagram(epd, tag):
    body = vlu(len(epd)) + epd + tag
    chunk = bytes([0x30]) + struct.pack(">H", len(body)) + body
    packet = bytes([0x0b]) + struct.pack(">H", int(time.monotonic() * 250) & 0xffff) + chunk
    plain_len = 2 + len(packet)
    packet += b"\xff" * ((16 - plain_len % 16) % 16)
    plain = struct.pack(">H", checksum(packet)) + packet
    cipher = aes_cbc_zero_iv(plain)
    ssid = struct.unpack(">I", cipher[0:4])[0] ^ struct.unpack(">I", cipher[4:8])[0]
    return struct.pack(">I", ssid) + cipher


def peer_epd(peer_id):
    return bytes([len(peer_id) + 1, 0x0f]) + peer_id


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("server")
    ap.add_argument("--duration", type=float, required=True)
    ap.add_argument("--pps", type=int, required=True)
    ap.add_argument("--source", action="append", default=[])
    ap.add_argument("--peer-id", action="append", default=[])
    ap.add_argument("--unknown", type=int, default=0)
    ap.add_argument("--malformed", type=int, default=0)
    a = ap.parse_args()
    host, port = a.server.rsplit(":", 1)
    host = host.strip("[]")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    packets = []
    for h in a.peer_id:
        packets.append(ihello_datagram(peer_epd(bytes.fromhex(h)), os.urandom(16)))
    for _ in range(a.unknown):
        packets.append(ihello_datagram(peer_epd(os.urandom(32)), os.urandom(16)))
    for _ in range(a.malformed):
        packets.append(ihello_datagram(bytes([32, 0x0f]) + os.urandom(31), os.urandom(16)))
    if not packets:
        print("nothing to send", file=sys.stderr)
        return 2
    socks = []
    for src in a.source or [None]:
        s = socket.socket(family, socket.SOCK_DGRAM)
        if src:
            s.bind((src, 0))
        s.setblocking(False)
        socks.append(s)
    dest = (host, int(port))
    sent = 0
    start = time.monotonic()
    end = start + a.duration
    i = 0
    while True:
        now = time.monotonic()
        if now >= end:
            break
        # Paced in slices of a millisecond: the target count so far, sent at once.
        due = int((now - start) * a.pps) - sent
        for _ in range(max(due, 0)):
            try:
                socks[i % len(socks)].sendto(packets[i % len(packets)], dest)
                sent += 1
            except BlockingIOError:
                break
            i += 1
        time.sleep(0.001)
    print(json.dumps({"sent": sent, "distinct_packets": len(packets), "sources": len(socks)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
