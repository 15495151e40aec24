"""Write the nginx configuration of the Carte des CPTS from deploy/nginx/carte-cpts.conf.in.

    # the site, for /etc/nginx/conf.d/ (http context), two app processes behind it:
    python deploy/render_nginx.py --listen 80 --server-name cpts.ars.example \
        --backend 10.0.0.11:8501 --backend 10.0.0.12:8501 -o /etc/nginx/conf.d/carte-cpts.conf

    # a self-contained nginx (no root, no /etc/nginx), e.g. to try it on a laptop or in the tests:
    python deploy/render_nginx.py --listen 127.0.0.1:8080 --backend 127.0.0.1:8501 --standalone /tmp/ngx
    nginx -p /tmp/ngx -c /tmp/ngx/nginx.conf -g 'daemon off;'

What is computed rather than written by hand, so it stays true when the app changes:
* the CSP hash of Streamlit's inline script, read from the installed Streamlit's index.html
  (re-run this script after upgrading Streamlit);
* client_max_body_size, from server.maxUploadSize (STREAMLIT_SERVER_MAX_UPLOAD_SIZE or
  .streamlit/config.toml): render with the app's environment.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import importlib.util
import os
import re
import sys
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent
TEMPLATE = HERE / "nginx" / "carte-cpts.conf.in"
STREAMLIT_CONFIG = REPO_ROOT / ".streamlit" / "config.toml"
# the app's optional online basemaps (geo/offline.py): the only hosts a page may load from
TILE_HOSTS = ("https://data.geopf.fr", "https://tile.openstreetmap.org")
STREAMLIT_DEFAULT_UPLOAD_MB = 200
MULTIPART_MARGIN_MB = 1

_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)


def streamlit_index_html() -> Path:
    spec = importlib.util.find_spec("streamlit")
    if spec is None or not spec.origin:
        raise SystemExit("Streamlit n'est pas installé ici : lancez ce script là où l'application est installée.")
    return Path(spec.origin).parent / "static" / "index.html"


def inline_script_hashes(index_html: Path) -> list[str]:
    """CSP source expressions ('sha256-…') of every inline <script> of the page."""
    out = []
    for body in _INLINE_SCRIPT.findall(index_html.read_text(encoding="utf-8")):
        digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
        out.append(f"'sha256-{digest}'")
    return out


def max_upload_mb(config: Path = STREAMLIT_CONFIG) -> int:
    """server.maxUploadSize (MiB) as the app will see it: STREAMLIT_SERVER_MAX_UPLOAD_SIZE if set (it
    wins over the file, as in Streamlit), else .streamlit/config.toml, else Streamlit's default."""
    if os.environ.get("STREAMLIT_SERVER_MAX_UPLOAD_SIZE"):
        return int(os.environ["STREAMLIT_SERVER_MAX_UPLOAD_SIZE"])
    if not config.exists():
        return STREAMLIT_DEFAULT_UPLOAD_MB
    with config.open("rb") as f:
        return int(tomllib.load(f).get("server", {}).get("maxUploadSize", STREAMLIT_DEFAULT_UPLOAD_MB))


def render_site(listen: str, backends: list[str], server_name: str = "_", secure_cookie: bool = False) -> str:
    mb = max_upload_mb()
    values = {
        "LISTEN": listen,
        "SERVER_NAME": server_name,
        "BACKENDS": "\n".join(f"    server {b} max_fails=1 fail_timeout=10s;" for b in backends),
        "SCRIPT_HASHES": " ".join(inline_script_hashes(streamlit_index_html())),
        "TILE_HOSTS": " ".join(TILE_HOSTS),
        "MAX_UPLOAD_MB": str(mb),
        "MAX_BODY": f"{mb + MULTIPART_MARGIN_MB}m",
        "COOKIE_SECURE": "; Secure" if secure_cookie else "",
    }
    text = TEMPLATE.read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    left = re.findall(r"@[A-Z_]+@", text)
    if left:
        raise SystemExit(f"placeholders left in the template: {left}")
    return text


def standalone(site: str, prefix: Path) -> Path:
    """A complete nginx.conf under *prefix* (pid, logs, temp files there): nginx -p PREFIX -c nginx.conf."""
    prefix = prefix.resolve()
    for d in ("logs", "tmp"):
        (prefix / d).mkdir(parents=True, exist_ok=True)
    (prefix / "carte-cpts.conf").write_text(site, encoding="utf-8")
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers keep the caller's rights
    conf = f"""# standalone nginx for the Carte des CPTS (deploy/render_nginx.py --standalone)
{user}worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
    log_format cpts '$remote_addr [$time_local] "$request" $status $body_bytes_sent '
                    'upstream=$upstream_addr affinity=$cookie_cpts_affinity';
    access_log {prefix}/logs/access.log cpts;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    include {prefix}/carte-cpts.conf;
}}
"""
    path = prefix / "nginx.conf"
    path.write_text(conf, encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Configuration nginx de la Carte des CPTS.")
    ap.add_argument("--listen", default="80", help="adresse:port d'écoute de nginx (défaut 80)")
    ap.add_argument("--server-name", default="_", help="nom du site (défaut _ : tout nom)")
    ap.add_argument("--backend", action="append", default=[],
                    help="adresse:port d'un processus de l'application (répétable ; défaut 127.0.0.1:8501)")
    ap.add_argument("--secure-cookie", action="store_true", help="site servi en HTTPS : cookie d'affinité Secure")
    ap.add_argument("--standalone", type=Path, metavar="DOSSIER",
                    help="écrit un nginx.conf complet dans DOSSIER (nginx -p DOSSIER -c nginx.conf)")
    ap.add_argument("-o", "--output", type=Path, help="fichier du site (défaut : sortie standard)")
    args = ap.parse_args(argv)
    site = render_site(args.listen, args.backend or ["127.0.0.1:8501"], args.server_name, args.secure_cookie)
    if args.standalone:
        print(standalone(site, args.standalone))
    elif args.output:
        args.output.write_text(site, encoding="utf-8")
    else:
        sys.stdout.write(site)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
