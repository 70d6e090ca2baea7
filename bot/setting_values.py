"""The kinds of value a setting takes: each parser reads the raw text of one variable and returns its value, or raises
ValueError with the reason, which `load_settings` turns into a sentence naming the variable.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

__all__ = ["api_url", "boolean", "choice", "database", "host_set", "log_level", "path", "positive_float",
           "positive_int", "server_url", "shard_ids", "unit_float", "url_list", "whole"]


def shard_ids(raw: str) -> tuple[int, ...]:
    ids = tuple(sorted({int(part) for part in raw.replace(" ", "").split(",") if part}))
    if any(shard < 0 for shard in ids):
        raise ValueError("shard ids count from 0")
    return ids


def path(raw: str) -> Path:
    return Path(raw).expanduser()


def database(raw: str) -> Path:
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", raw):
        raise ValueError("give a SQLite file's path, such as /var/lib/newsdesk/newsdesk.db, or a PostgreSQL "
                         "server's postgresql://user:password@host/database")
    file = path(raw)
    if file.is_dir():
        raise ValueError("that is a folder; give the path of the database file inside it, such as "
                         f"{file / 'newsdesk.db'}")
    return file


def positive_int(raw: str) -> int:
    value = int(raw.replace("_", ""))
    if value <= 0:
        raise ValueError("it must be a positive whole number")
    return value


def whole(raw: str) -> int:
    value = int(raw)
    if value < 0:
        raise ValueError("it must be 0 or a positive whole number")
    return value


def server_url(raw: str) -> str:
    if not raw.lower().startswith(("http://", "https://")):
        raise ValueError("it must be the server's http(s) address, such as http://localhost:11434/v1")
    return raw.rstrip("/")


def positive_float(raw: str) -> float:
    value = float(raw)
    if value <= 0:
        raise ValueError("it must be a positive number")
    return value


def unit_float(raw: str) -> float:
    value = float(raw)
    if not 0.0 <= value <= 1.0:
        raise ValueError("it must lie between 0 and 1")
    return value


def boolean(raw: str) -> bool:
    lowered = raw.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError("it must be true or false")


def host_set(raw: str) -> frozenset[str]:
    return frozenset(host.strip().lower() for host in raw.split(",") if host.strip())


def choice(*choices: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if raw.lower() not in choices:
            raise ValueError(f"it must be one of {', '.join(choices)}")
        return raw.lower()

    return parse


def url_list(raw: str) -> tuple[str, ...]:
    urls = tuple(url.strip() for url in raw.split(",") if url.strip())
    for url in urls:
        if not url.lower().startswith(("http://", "https://")):
            raise ValueError(f"{url} is not an http(s) link")
    return urls


def api_url(raw: str) -> str:
    if not raw.lower().startswith(("http://", "https://")):
        raise ValueError("it must be an http(s) link")
    return raw if raw.endswith("/") else raw + "/"


def log_level(raw: str) -> str:
    level = raw.upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ValueError("it must be DEBUG, INFO, WARNING or ERROR")
    return level
