"""axe-core, from its npm package, run inside a panel's frame.

The tarball of the pinned version is fetched once (`npm pack`, or straight from the registry when
npm is missing), kept in .pytest_cache (never in the repository), and checked against the
integrity the npm registry publishes for it, like the htmx file (tests/browser/htmx_cdn.py).

How it gets into the page: `frame.evaluate(source)`, not `bypass_csp=True`. The panels'
Content-Security-Policy allows scripts only from us and the pinned htmx URL, so
`add_script_tag(content=...)` (an inline script) is refused, and Chromium reports the violation,
which the harness's BrowserLog records as an error. A dedicated `bypass_csp=True` context would
scan pages without the policy they really run under. Playwright's evaluate goes through the
DevTools protocol, which the policy does not govern, so axe runs in the very frame the CRM
embeds (cross-site, policy on) and the tests can still require a clean console afterwards.
"""

import json
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import requests
from playwright.sync_api import Frame

from tests.browser.htmx_cdn import package_file, sri

AXE_PACKAGE = "axe-core"
AXE_VERSION = "4.14.1"
#: `npm view axe-core@4.14.1 dist.integrity`: what the registry says the tarball hashes to
NPM_TARBALL_INTEGRITY = (
    "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3"
    "NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
)
TARBALL_NAME = f"{AXE_PACKAGE}-{AXE_VERSION}.tgz"
REGISTRY_TARBALL_URL = f"https://registry.npmjs.org/{AXE_PACKAGE}/-/{TARBALL_NAME}"
#: what fails a scan; "moderate" and "minor" findings are printed for a person to judge
BLOCKING = ("serious", "critical")


def _download(folder: Path) -> Path:
    npm = shutil.which("npm")
    if npm:
        subprocess.run(
            [npm, "pack", f"{AXE_PACKAGE}@{AXE_VERSION}", "--pack-destination", str(folder)],
            check=True,
            capture_output=True,
            timeout=120,
        )
    else:
        response = requests.get(REGISTRY_TARBALL_URL, timeout=60)
        response.raise_for_status()
        (folder / TARBALL_NAME).write_bytes(response.content)
    return folder / TARBALL_NAME


@cache
def source(cache_dir: Path) -> str:
    """axe.min.js of the pinned version, downloaded once and verified every run."""
    path = cache_dir / TARBALL_NAME
    if not path.exists():
        path = _download(cache_dir)
    data = path.read_bytes()
    if sri(data, "sha512") != NPM_TARBALL_INTEGRITY:
        path.unlink()
        raise RuntimeError(f"{TARBALL_NAME} does not match the npm registry's integrity")
    if json.loads(package_file(data, "package.json"))["version"] != AXE_VERSION:
        raise RuntimeError(f"{TARBALL_NAME} is not axe-core {AXE_VERSION}")
    return package_file(data, "axe.min.js").decode()


def cache_dir_for(request, tmp_path_factory) -> Path:
    """.pytest_cache/d/axe-npm, or a temp dir under -p no:cacheprovider."""
    cache = getattr(request.config, "cache", None)
    return Path(cache.mkdir("axe-npm")) if cache else tmp_path_factory.mktemp("axe-npm")


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]

    def __str__(self) -> str:
        return f"[{self.impact}] {self.rule}: {self.help} at {', '.join(self.targets)}"


_RUN = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map(v => ({
    rule: v.id, impact: v.impact || "minor", help: v.help,
    targets: v.nodes.map(n => n.target.join(" ")),
  }));
}"""


def scan(frame: Frame, axe_js: str) -> list[Violation]:
    """Every axe violation in the frame's document as it is now (all rules axe runs by default:
    WCAG 2.x A and AA and axe's best practices)."""
    if not frame.evaluate("() => typeof window.axe === 'object'"):
        frame.evaluate(axe_js)
    found = frame.evaluate(_RUN)
    return [Violation(v["rule"], v["impact"], v["help"], tuple(v["targets"])) for v in found]


def assert_accessible(frame: Frame, axe_js: str, state: str) -> list[Violation]:
    """No serious or critical violation in `state`; the lesser ones are printed (pytest -s)."""
    violations = scan(frame, axe_js)
    for violation in violations:
        if violation.impact not in BLOCKING:
            print(f"axe, {state}: {violation}")
    blocking = [str(v) for v in violations if v.impact in BLOCKING]
    assert blocking == [], f"axe found in {state}:\n" + "\n".join(blocking)
    return violations
