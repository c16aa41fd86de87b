"""Native floor for `tcg2sim predict` on OVMF_CODE_4M.fd: only the unavoidable work, FVMAIN_COMPACT
LZMA decompression and hashing PEIFV and DXEFV in the four banks (Python's lzma + hashlib, C)."""
import hashlib
import lzma
import struct
import sys

img = open(sys.argv[1], 'rb').read()
guid = bytes.fromhex('98584eee143959429d6edc7bd79403cf')  # EE4E5898-3914-4259-9D6E-DC7BD79403CF
at = img.find(guid)
sec = at - 4
size = int.from_bytes(img[sec:sec + 3], 'little')
off = struct.unpack_from('<H', img, at + 16)[0]
out = lzma.decompress(img[sec + off:sec + size], format=lzma.FORMAT_ALONE)
pei_len = struct.unpack_from('<Q', out, 0x80 + 32)[0]
dxe_at = 0x80 + pei_len + 0x10
dxe_len = struct.unpack_from('<Q', out, dxe_at + 32)[0]
for fv in (out[0x80:0x80 + pei_len], out[dxe_at:dxe_at + dxe_len]):
    for alg in ('sha1', 'sha256', 'sha384', 'sha512'):
        hashlib.new(alg, fv).digest()
