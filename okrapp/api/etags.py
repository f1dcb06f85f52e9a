"""Versions as strong ETags, and If-Match: a change names the version it was made against.

A record's `version` (core/versioning.py) is its ETag, `"7"`. Changing or retiring needs If-Match:
without it 428 (a change could overwrite one made meanwhile unseen); with a tag that is not the
current one — stale, weak (W/…, never equal under strong comparison) or garbled — 412 with the
current version, and nothing changes. `*` matches whatever version exists. The matched version is
handed to the feature's operation as expected_version, so a change racing in between is refused by
the same compare-and-set the pages use, and answered 412 too."""
import re

from flask import request

from okrapp.api.auth import ApiError
from okrapp.core.words import _

_TAG = re.compile(r'\s*(W/)?"([^"]*)"\s*(?:,|$)')


def etag(version: int) -> str:
    return f'"{version}"'


def tagged(body, version: int, status: int = 200, **headers):
    """The answer with the record's version as its ETag (spectree validates body)."""
    return body, status, {"ETag": etag(version), **headers}


def matched_version(current: int) -> int:
    """The version If-Match names when it is current; else 428 (missing) or 412 (anything else)."""
    header = request.headers.get("If-Match")
    if header is None or not header.strip():
        raise ApiError(428)
    if header.strip() == "*":
        return current
    if etag(current) in _strong_tags(header[:1000]):
        return current
    raise stale(current)


def stale(current: int) -> ApiError:
    return ApiError(412, _("The record was changed since you read it (it is at version %(version)s now); read it "
                           "again and send its ETag in If-Match.", version=current),
                    headers={"ETag": etag(current)}, extra={"current_version": current})


def _strong_tags(header: str) -> set[str]:
    tags, position = set(), 0
    while position < len(header):
        found = _TAG.match(header, position)
        if found is None:
            return set()  # garbled: matches nothing
        if not found.group(1):
            tags.add(f'"{found.group(2)}"')
        position = found.end()
    return tags
