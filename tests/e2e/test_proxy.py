"""The app behind nginx as deploy/render_nginx.py configures it (issue 12.6): security headers on
every response, /_stcore/metrics closed, uploads bounded, and the app fully working in Chromium
through the proxy with the Content-Security-Policy enforced (no violation on any page).

Two app processes sit behind the proxy (session affinity, issue 11): the map, a click, a download
(/media) and an upload (Importer, XSRF-checked) only work if every request of the browser reaches
the process that holds its session. nginx comes from Debian (scripts/test.sh installs it); the
apps run on a copy of the data."""
from __future__ import annotations

import re
import socket
import subprocess
import sys
import tomllib

import pytest

from conftest import APP_EXCEPTION, wait_for_folium_map
from tests.deploy_support import NEW_CPTS_ROWS, REPO_ROOT, copy_data, http, start_app, start_nginx

pytestmark = pytest.mark.e2e

# Every frame reports its CSP violations to the console, where the test collects them.
REPORT_CSP_JS = """document.addEventListener('securitypolicyviolation', e => console.error(
    'CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || '(inline)') + ' in ' + e.documentURI));"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("proxy")
    data = copy_data(tmp / "data")
    apps = [start_app(data, tmp / f"app{i}.log") for i in range(2)]
    proxy = start_nginx(tmp / "nginx", [a.url.removeprefix("http://") for a in apps])
    try:
        yield proxy.url, apps[0].url
    finally:
        proxy.stop()
        for a in apps:
            a.stop()


def csp_directives(value: str) -> dict[str, list[str]]:
    out = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def test_security_headers_on_pages_components_and_errors(site):
    proxy, _ = site
    for path in ["/", "/Comparer", "/component/streamlit_folium.st_folium/index.html", "/_stcore/health",
                 "/app/static/vendor/README.md", "/no-such-page/x.js", "/_stcore/metrics"]:
        status, h, _ = http(proxy + path)
        assert status < 500, (path, status)
        csp = csp_directives(h.get("content-security-policy", ""))
        assert csp.get("frame-ancestors") == ["'self'"], (path, h)
        assert csp.get("object-src") == ["'none'"] and csp.get("default-src") == ["'self'"], (path, csp)
        assert h.get("x-frame-options") == "SAMEORIGIN", path
        assert h.get("x-content-type-options") == "nosniff", path
        assert h.get("referrer-policy") == "strict-origin-when-cross-origin", path
        assert "nginx/" not in h.get("server", ""), "nginx version exposed"
    # the app page allows no inline or eval'd JavaScript (only the hash of Streamlit's bootstrap line)
    page_csp = csp_directives(http(proxy + "/")[1]["content-security-policy"])
    assert "'unsafe-inline'" not in page_csp["script-src"] and "'unsafe-eval'" not in page_csp["script-src"]
    assert all(s in ("'self'", "blob:", "'wasm-unsafe-eval'") or s.startswith("'sha256-") for s in page_csp["script-src"])


def test_metrics_and_agent_api_closed_at_the_proxy(site):
    proxy, backend = site
    assert http(backend + "/_stcore/metrics")[0] == 200  # the app serves them (operators scrape it directly)...
    for path in ["/_stcore/metrics", "/_stcore/metrics?x=1", "/_stcore/agent/openapi.json"]:
        status, _, body = http(proxy + path)
        assert status == 403, (path, status)  # ...the public site does not
        assert b"session" not in body


def test_upload_limits_are_coherent_and_enforced(site):
    """Importer limit <= Streamlit maxUploadSize <= nginx client_max_body_size, and nginx refuses more."""
    proxy, _ = site
    with open(REPO_ROOT / ".streamlit" / "config.toml", "rb") as f:
        streamlit_bytes = tomllib.load(f)["server"]["maxUploadSize"] * 1024 * 1024
    try:
        from geo.importing.limits import LIMITS
        importer_bytes = LIMITS.max_bytes
    except ImportError:
        from geo.importing import MAX_BYTES as importer_bytes
    site_conf = subprocess.run([sys.executable, str(REPO_ROOT / "deploy" / "render_nginx.py"), "--listen", "8080"],
                               capture_output=True, text=True, check=True).stdout
    nginx_mb = int(re.search(r"client_max_body_size (\d+)m;", site_conf).group(1))
    assert importer_bytes <= streamlit_bytes <= 2 * importer_bytes, "the importer's French message must be what users see"
    assert streamlit_bytes < nginx_mb * 1024 * 1024

    # a body over the proxy's limit is refused (413) before reaching the app
    host, port = proxy.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(f"PUT /_stcore/upload_file/x/y HTTP/1.1\r\nHost: {host}:{port}\r\n"
                  f"Content-Length: {nginx_mb * 1024 * 1024 + 1}\r\nContent-Type: application/octet-stream\r\n\r\n".encode())
        assert s.recv(200).split(b"\r\n")[0].endswith(b"413 Request Entity Too Large")


def test_app_works_through_the_proxy_without_csp_violation(site, page, network_log, rerun, tmp_path):
    proxy, _ = site
    page.add_init_script(REPORT_CSP_JS)  # every frame of this page (the context is shared across tests)
    page.goto(proxy + "/", wait_until="commit")
    m = wait_for_folium_map(page)
    m.frame.wait_for_selector("body[data-communes-loaded]", state="attached")
    assert m.frame.locator("path.leaflet-interactive").count() > 1000, "communes not drawn"
    assert any(u.startswith(proxy.replace("http", "ws", 1)) for u in network_log.websockets), network_log.websockets

    # a click through the proxy: websocket + component value -> the commune's panel
    x, y = m.point_on_shape()
    rerun(lambda: page.mouse.click(x, y))
    page.get_by_text(re.compile(r"Code INSEE \d")).first.wait_for()

    # a deferred download (computed on the session's process, served from its /media)
    page.get_by_text("Exporter (hors ligne)").click()
    with page.expect_download() as dl:
        page.get_by_role("button", name="Tableaux (XLSX)").click()
    assert open(dl.value.path(), "rb").read(2) == b"PK"

    # every page of the navigation
    links = page.eval_on_selector_all('[data-testid="stSidebarNav"] a', "els => els.map(a => a.href)")
    assert len(links) >= 5, links
    for url in links:
        assert url.startswith(proxy), url
        page.goto(url, wait_until="commit")
        page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"] [data-testid="stHeading"]')
        assert page.locator(APP_EXCEPTION).count() == 0, url

    # an upload through the proxy (XSRF token + cookie, upload and preview on the same process)
    page.goto(next(u for u in links if u.endswith("/Importer")), wait_until="commit")
    csv = tmp_path / "liste.csv"
    csv.write_text("\r\n".join(";".join(r) for r in [["Nom CPTS", "Libellé commune", "Code INSEE"], *NEW_CPTS_ROWS]),
                   encoding="utf-8")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(csv))
    used = page.locator('[data-testid="stMetric"]').filter(has_text="Lignes utilisées")
    used.wait_for()
    assert "2" in used.inner_text()

    csp = [e for e in network_log.console_errors if "Content Security Policy" in e or "CSP violation" in e]
    assert not csp, "CSP violations:\n" + "\n".join(dict.fromkeys(csp))
    assert not network_log.page_errors, network_log.page_errors
    # (Streamlit's frontend probes <page>/_stcore/health and host-config to find its base path: 404 by design)
    missing = [u for u, (status, _) in network_log.responses.items()
               if status >= 400 and not re.search(r"/[^/]+/_stcore/(health|host-config)$", u)]
    assert not missing, missing
    network_log.assert_only_local()
