"""Static assets with their content's hash in the URL (?v=…), so a browser may keep them a year: a
changed file gets a new URL. A request with a stale or missing hash is served as before (revalidated)."""
import hashlib
from pathlib import Path

from flask import request

YEAR = "public, max-age=31536000, immutable"


def init_app(app) -> None:
    folder = Path(app.static_folder)
    fingerprints = {}

    def fingerprint(filename: str) -> str | None:
        if filename not in fingerprints:
            path = (folder / filename).resolve()
            inside = path.is_relative_to(folder.resolve()) and path.is_file()
            fingerprints[filename] = hashlib.sha256(path.read_bytes()).hexdigest()[:12] if inside else None
        return fingerprints[filename]

    @app.url_defaults
    def _fingerprinted(endpoint, values):
        if endpoint == "static" and "filename" in values and "v" not in values:
            stamp = fingerprint(values["filename"])
            if stamp:
                values["v"] = stamp

    @app.after_request
    def _cached_for_a_year(response):
        if request.endpoint == "static" and response.status_code == 200:
            filename = (request.view_args or {}).get("filename")
            if filename and request.args.get("v") and request.args.get("v") == fingerprint(filename):
                response.headers["Cache-Control"] = YEAR
        return response
