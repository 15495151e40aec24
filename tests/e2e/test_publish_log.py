"""Publishing while the app runs leaves a clean server log, and the app still reloads CODE (issue 11.2).

The original failure: with Streamlit's default watcher (watchdog), the app's folder is watched
recursively, data/ included; ``python -m geo import`` swaps the registry directory by rename and the
watchdog thread died with ``KeyError: b'…/data/registry/cpts'`` (and code changes were no longer
seen). The committed .streamlit/config.toml polls the app's Python files only.

The app runs here from a COPY of the tree whose data/ is under the app folder, exactly like a
checkout (to see the original failure: ``CPTS_TEST_FILE_WATCHER=watchdog pytest this_file``).
"""
from __future__ import annotations

import asyncio
import os
import re
import time

import pytest

from benchmarks.bench_load import Session
from conftest import APP_EXCEPTION, wait_for_folium_map
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from tests.deploy_support import NEW_CPTS_NAME, NEW_CPTS_ROWS, LoopThread, copy_app_tree, publish, start_app

pytestmark = pytest.mark.e2e

BAD_LOG = re.compile(r"Traceback|KeyError|RuntimeWarning|Exception in thread")


async def _wait_code_change(session: Session, timeout: float) -> bool:
    """True when the server tells this session that the app's source changed on disk."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            raw = await asyncio.wait_for(session.ws.recv(), timeout=max(0.1, deadline - time.monotonic()))
        except asyncio.TimeoutError:
            return False
        fm = ForwardMsg.FromString(raw)
        if fm.WhichOneof("type") == "session_event" and fm.session_event.script_changed_on_disk:
            return True
    return False


def test_publish_from_cli_leaves_a_clean_log_and_a_working_app(tmp_path, page, network_log):
    tree = copy_app_tree(tmp_path / "app")
    data = tree / "data"
    watcher = os.environ.get("CPTS_TEST_FILE_WATCHER")
    app = start_app(data, tmp_path / "server.log", cwd=tree,
                    env={"STREAMLIT_SERVER_FILE_WATCHER_TYPE": watcher} if watcher else None)
    loop = LoopThread()
    try:
        # a page is open in the browser, and a second session listens for "source changed" events
        page.goto(app.url + "/", wait_until="commit")
        wait_for_folium_map(page)
        listener = Session(app.url)
        loop.run(listener.open())

        # 1. publish a new CPTS while both sessions are open (registry swapped under the app folder)
        grown = NEW_CPTS_ROWS + [[NEW_CPTS_NAME, "Val-Couesnon", "35004"]]  # adds a commune, removes none
        for rows in (NEW_CPTS_ROWS, grown):  # twice: the second swaps a directory the first one created
            done = publish(data, rows, tmp_path, cwd=tree)
            assert done.returncode == 0, done.stdout + done.stderr
        assert "Registre publié" in done.stdout

        # 2. code still reloads: the watcher is alive after the publishes
        ui_file = tree / "ui" / "cards.py"
        ui_file.write_text(ui_file.read_text(encoding="utf-8") + "\n# edited by the test\n", encoding="utf-8")
        assert loop.run(_wait_code_change(listener, timeout=60)), (
            "the server never reported the code change: its file watcher is dead\n" + app.log()[-3000:])
        loop.run(listener.close())

        # 3. the open page still works and shows the published CPTS
        page.goto(app.url + "/?cpts=essai-publication", wait_until="commit")
        m = wait_for_folium_map(page)
        assert m.paths > 0
        page.get_by_text(NEW_CPTS_NAME).first.wait_for(timeout=60_000)
        assert page.locator(APP_EXCEPTION).count() == 0
        assert not network_log.page_errors, network_log.page_errors
    finally:
        loop.close()
        app.stop()

    log = app.log()
    bad = [line for line in log.splitlines() if BAD_LOG.search(line)]
    assert not bad, "server log after publishing:\n" + log[-4000:]
