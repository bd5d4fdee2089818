#!/usr/bin/env python3
"""Reads a certificate's bit in a W3C Bitstring Status List the way an outside verifier would,
using only the specification and the registry's published keys, none of the registry's code.

    status_list_check.py LIST_URL INDEX KEYS_URL

Fetches the list credential (a VC-JOSE compact JWS, `application/vc+jwt`), checks its ES256
signature with the public key its `kid` names in the trust list, checks it is a
BitstringStatusListCredential that is valid now, decodes `encodedList` (Multibase base64url,
GZIP, index 0 = left-most bit) and prints the purpose and the bit: `revocation 1`.
Exits non-zero with a reason when anything does not hold.
"""
import base64
import datetime
import gzip
import json
import sys
import urllib.request

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def fetch(url: str) -> tuple[str, bytes]:
    with urllib.request.urlopen(url) as resp:
        return resp.headers.get("content-type", ""), resp.read()


def fail(why: str) -> None:
    print(f"status list check failed: {why}", file=sys.stderr)
    sys.exit(1)


def main() -> None:
    list_url, index, keys_url = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    content_type, body = fetch(list_url)
    if not content_type.startswith("application/vc+jwt"):
        fail(f"content type {content_type!r}")
    header_b64, payload_b64, signature_b64 = body.decode("ascii").strip().split(".")
    header = json.loads(b64url(header_b64))
    if header.get("alg") != "ES256" or header.get("typ") != "vc+jwt":
        fail(f"header {header}")
    keys = json.loads(fetch(keys_url)[1])["keys"]
    key = next((k for k in keys if k["key_id"] == header.get("kid")), None)
    if key is None:
        fail(f"no published key {header.get('kid')}")
    public = serialization.load_pem_public_key(key["public_key_pem"].encode())
    raw = b64url(signature_b64)
    r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    try:
        public.verify(
            encode_dss_signature(r, s),
            f"{header_b64}.{payload_b64}".encode("ascii"),
            ec.ECDSA(hashes.SHA256()),
        )
    except InvalidSignature:
        fail("the signature does not verify")
    vc = json.loads(b64url(payload_b64))
    if "BitstringStatusListCredential" not in vc.get("type", []):
        fail(f"type {vc.get('type')}")
    now = datetime.datetime.now(datetime.timezone.utc)
    valid_from = datetime.datetime.fromisoformat(vc["validFrom"].replace("Z", "+00:00"))
    valid_until = datetime.datetime.fromisoformat(vc["validUntil"].replace("Z", "+00:00"))
    if not valid_from <= now + datetime.timedelta(minutes=5) or not now < valid_until:
        fail(f"not valid now: {vc['validFrom']} .. {vc['validUntil']}")
    subject = vc["credentialSubject"]
    if subject.get("type") != "BitstringStatusList":
        fail(f"subject type {subject.get('type')}")
    encoded = subject["encodedList"]
    if not encoded.startswith("u"):
        fail("encodedList is not Multibase base64url")
    bits = gzip.decompress(b64url(encoded[1:]))
    if len(bits) < 16 * 1024:
        fail(f"the list is {len(bits)} bytes, under the 16 KiB minimum")
    bit = (bits[index // 8] >> (7 - index % 8)) & 1
    print(subject["statusPurpose"], bit)


if __name__ == "__main__":
    main()
