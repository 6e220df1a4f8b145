"""Pseudonymous keys: the HMAC key from the environment and a Spark-native HMAC-SHA256.

The key is a secret: it never lives in the repository or in config files. Production reads it
from the environment variable named by `security.pseudonymisation_key_env` (hex-encoded, at
least 16 bytes) and fails loudly without it. Dev and test fall back to a key generated once
with `secrets.token_bytes` and kept in `<repo>/.local/secrets/pseudonymisation.key` (hex,
mode 0600; `.local/` is git-ignored), so keys stay stable across local runs. Rotating the key
changes every customer_key/account_key/author_key: that is a reprocessing event, not a config
tweak.

Generate a production key with: python -c "import secrets; print(secrets.token_hex(32))"
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from pyspark.sql import Column
from pyspark.sql import functions as F

from beejan_lakehouse.config import REPO_ROOT, Config

LOCAL_KEY_FILE = REPO_ROOT / ".local" / "secrets" / "pseudonymisation.key"
MIN_KEY_BYTES = 16
_BLOCK = 64  # SHA-256 block size in bytes (RFC 2104)


class PseudonymisationKeyError(RuntimeError):
    """The pseudonymisation key is missing or malformed; the message names the variable."""


def pseudonymisation_key(cfg: Config, local_key_file: Path | None = None) -> bytes:
    """The HMAC key: env var named in config; in dev/test a git-ignored local key if unset."""
    var = cfg["security"]["pseudonymisation_key_env"]
    value = os.environ.get(var, "").strip()
    if value:
        return _decode(value, f"environment variable {var}")
    if cfg.get("env") == "prod":
        raise PseudonymisationKeyError(
            f"environment variable {var} (security.pseudonymisation_key_env) is not set; "
            "production needs the pseudonymisation key from the secret store"
        )
    return _local_key(local_key_file or LOCAL_KEY_FILE)


def _decode(value: str, source: str) -> bytes:
    try:
        key = bytes.fromhex(value)
    except ValueError as exc:
        raise PseudonymisationKeyError(f"{source} must hold the key as hex") from exc
    if len(key) < MIN_KEY_BYTES:
        raise PseudonymisationKeyError(f"{source} holds {len(key)} bytes; at least {MIN_KEY_BYTES} needed")
    return key


def _local_key(path: Path) -> bytes:
    if path.is_file():
        return _decode(path.read_text(encoding="ascii"), str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    # O_EXCL: two jobs starting at once must not each write (and use) a different key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _decode(path.read_text(encoding="ascii"), str(path))
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key.hex())
    return key


def pseudonymise(col: Column | str, key: bytes) -> Column:
    """HMAC-SHA256(key, utf8(col)) as lowercase hex; null in, null out.

    Built from Spark's sha2 exactly as RFC 2104 defines HMAC, so it runs in the JVM with no
    Python round trip: H((K ^ opad) || unhex(H((K ^ ipad) || m))).
    """
    if len(key) > _BLOCK:  # RFC 2104: long keys are hashed first
        import hashlib

        key = hashlib.sha256(key).digest()
    padded = key.ljust(_BLOCK, b"\x00")
    ipad = bytes(b ^ 0x36 for b in padded)
    opad = bytes(b ^ 0x5C for b in padded)
    message = F.encode(F.col(col) if isinstance(col, str) else col, "UTF-8")
    inner = F.unhex(F.sha2(F.concat(F.lit(ipad), message), 256))
    return F.sha2(F.concat(F.lit(opad), inner), 256)
