"""Redirect targets that come from the client."""
from urllib.parse import urlsplit


def safe_path(target: str | None, default: str) -> str:
    """Only a path of this app: no scheme, no host, no protocol-relative '//' or backslash trick."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return default  # CR/LF would split the Location header; a path of ours has no whitespace
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
