"""Encryption at rest for secrets and tokens (Fernet: AES-128-CBC + HMAC, from `cryptography`).

`TOKEN_ENCRYPTION_KEYS` holds one or more Fernet keys, newest first (MultiFernet), so a key can be
rotated; without it a development key is generated into the instance folder.
"""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import Flask, current_app

from widget.secret_key import load_or_create


class Vault:
    def __init__(self, keys: list[str]):
        self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken as exc:
            raise ValueError("cannot decrypt: wrong TOKEN_ENCRYPTION_KEYS?") from exc


def vault() -> Vault:
    return current_app.extensions["vault"]


def init_app(app: Flask) -> None:
    keys = app.config.get("TOKEN_ENCRYPTION_KEYS")
    if not keys:
        keys = load_or_create(
            app.instance_path, "token_encryption_key", lambda: Fernet.generate_key().decode()
        )
    app.extensions["vault"] = Vault([key.strip() for key in keys.split(",") if key.strip()])
