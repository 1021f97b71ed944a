"""Structured (one JSON object a line) logs that never carry tokens or secrets."""

import json
import logging
import re

_SECRET_KEYS = re.compile(
    r"(?i)(access_token|refresh_token|id_token|client_secret|code_verifier|authorization|"
    r"password|secret|token)([\"']?\s*[:=]\s*[\"']?)([^\s\"'&,}]+)"
)
_BEARER = re.compile(r"(?i)(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")


def redact(text: str) -> str:
    text = _BEARER.sub(r"\1 [redacted]", text)
    return _SECRET_KEYS.sub(r"\1\2[redacted]", text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for key, value in getattr(record, "fields", {}).items():
            entry[key] = redact(str(value)) if isinstance(value, str) else value
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, default=str)


def configure(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
