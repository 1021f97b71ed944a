"""The pinned htmx file, taken from its npm package, for answering the CDN URL inside the browser.

Tests never reach unpkg: they fetch the npm tarball (with `npm pack`, or straight from the
registry when npm is missing), check it against the registry's published integrity, cache it under
.pytest_cache, and hand the browser the exact file widget/assets.py pins. The browser still checks
the page's `integrity` attribute against it, so Subresource Integrity is really exercised.
"""

import base64
import hashlib
import io
import json
import shutil
import subprocess
import tarfile
from pathlib import Path

import requests

from widget import assets

#: `npm view htmx.org@4.0.1 dist.integrity`: what the registry says the tarball hashes to
NPM_TARBALL_INTEGRITY = (
    "sha512-oF7JgXhDW9UXCy/k1ZYFUQgzu/rm19ORWPSPNL91vPluB2PB9+"
    "MV55tyQdH/w7o2EAbTYUG5SDW1R60mdkdqGg=="
)
TARBALL_NAME = f"{assets.HTMX_PACKAGE}-{assets.HTMX_VERSION}.tgz"
REGISTRY_TARBALL_URL = f"https://registry.npmjs.org/{assets.HTMX_PACKAGE}/-/{TARBALL_NAME}"


def sri(data: bytes, algorithm: str = "sha384") -> str:
    digest = hashlib.new(algorithm, data).digest()
    return f"{algorithm}-{base64.b64encode(digest).decode()}"


def _download(folder: Path) -> Path:
    target = folder / TARBALL_NAME
    npm = shutil.which("npm")
    spec = f"{assets.HTMX_PACKAGE}@{assets.HTMX_VERSION}"
    if npm:
        subprocess.run(
            [npm, "pack", spec, "--pack-destination", str(folder), "--json"],
            check=True,
            capture_output=True,
            timeout=120,
        )
    else:
        response = requests.get(REGISTRY_TARBALL_URL, timeout=60)
        response.raise_for_status()
        target.write_bytes(response.content)
    return target


def tarball(cache_dir: Path) -> bytes:
    """The npm tarball of the pinned version, downloaded once and verified every time."""
    path = cache_dir / TARBALL_NAME
    if not path.exists():
        path = _download(cache_dir)
    data = path.read_bytes()
    if sri(data, "sha512") != NPM_TARBALL_INTEGRITY:
        path.unlink()
        raise RuntimeError(f"{TARBALL_NAME} does not match the npm registry's integrity")
    return data


def package_file(tarball_bytes: bytes, name: str = assets.HTMX_FILE) -> bytes:
    with tarfile.open(fileobj=io.BytesIO(tarball_bytes), mode="r:gz") as archive:
        member = archive.extractfile(f"package/{name}")
        if member is None:
            raise RuntimeError(f"{name} is not a file in the npm package")
        return member.read()


def package_json(tarball_bytes: bytes) -> dict:
    return json.loads(package_file(tarball_bytes, "package.json"))
