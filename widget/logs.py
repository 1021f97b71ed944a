"""Structured (one JSON object a line) logs that never carry tokens, secrets or customers' data.

Query strings are where personal data hides in URLs: Xero calls filter contacts by
`where=EmailAddress=="jo@…"` or `searchTerm=Jo`, and our own routes take search terms. So every
query string in a log line, whoever logged it (urllib3's request lines at DEBUG, werkzeug's access
log, an exception naming a URL), keeps its parameter names and loses its values.
"""

import json
import logging
import re

_SECRET_KEYS = re.compile(
    r"(?i)(access_token|refresh_token|id_token|client_secret|code_verifier|authorization|"
    r"password|secret|token)([\"']?\s*[:=]\s*[\"']?)([^\s\"'&,}]+)"
)
_BEARER = re.compile(r"(?i)(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")
#: a query string: `?` right after a path or host character, up to whitespace (not a quote:
#: werkzeug's access log repeats a raw `where=Name=="…"`; a quote after a URL is lost, no more)
_QUERY = re.compile(r"(?<=[\w/.%~-])\?(\S+)")
REDACTED = "[redacted]"


def _query_names_only(match: re.Match) -> str:
    names = (part.partition("=")[0] for part in match.group(1).split("&"))
    return "?" + "&".join(f"{name}={REDACTED}" for name in names if name)


def redact(text: str) -> str:
    text = _QUERY.sub(_query_names_only, text)
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
