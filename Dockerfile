# Carte des CPTS -- one app process per container. README « Déployer »: several containers behind
# one reverse proxy need session affinity and ONE shared data volume (deploy/render_nginx.py).
#
#   docker build -t carte-cpts .
#   docker run -d --name cpts -p 8501:8501 -v cpts-data:/data carte-cpts
#   docker exec cpts python -m geo import /data/liste.csv     # publish; every container sees it
#
# Everything is offline at run time: Leaflet and the data are in the image, nothing is fetched.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# geopandas, shapely, pyproj, pyarrow ship manylinux wheels: no compiler, no system GDAL.
COPY requirements.txt .
RUN pip install -r requirements.txt

# A system user without a login shell; the app never runs as root.
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/cpts --shell /usr/sbin/nologin cpts

# The code (what .dockerignore leaves: no tests, git, caches, secrets, backups, generated layers).
COPY . /app

# /data = the data directory (CPTS_DATA_DIR: communes.parquet, registry/, backups/). A new named
# volume starts as a copy of the image's data/; publishes and backups then live in the volume and
# survive a redeploy. static/generated: the map layers each process writes (ui/data.py).
RUN mkdir -p /data /app/static/generated \
 && cp -a /app/data/. /data/ \
 && chown -R cpts:cpts /data /app/static/generated

# Server settings for a deployment (the rest is .streamlit/config.toml): no file watcher (code does
# not change in a container), exceptions shown to visitors without their details (full details in
# the container's log). Behind several replicas also set the same STREAMLIT_SERVER_COOKIE_SECRET
# on all of them, and server.allowedHosts (config.toml) to the site's host name.
ENV CPTS_DATA_DIR=/data \
    HOME=/home/cpts \
    STREAMLIT_SERVER_ADDRESS=0.0.0.0 \
    STREAMLIT_SERVER_PORT=8501 \
    STREAMLIT_SERVER_HEADLESS=true \
    STREAMLIT_SERVER_FILE_WATCHER_TYPE=none \
    STREAMLIT_SERVER_RUN_ON_SAVE=false \
    STREAMLIT_CLIENT_SHOW_ERROR_DETAILS=type \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false

VOLUME ["/data"]
USER cpts
EXPOSE 8501

HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 \
  CMD python -c "import sys, urllib.request as u; sys.exit(0 if u.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).read().strip() == b'ok' else 1)"

CMD ["python", "-m", "streamlit", "run", "serve.py"]
