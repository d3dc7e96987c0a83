"""HTML pages. Views are thin: parse input, call a service, render."""

from urllib.parse import urlsplit


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site relative paths are followed after login."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    return target
