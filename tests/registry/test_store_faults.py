"""What the operator meets when publishing (issue 11, items 6 and 10): a read-only registry or backups
folder, a full disk, what a killed publication leaves behind, two publications creating the same
CPTS. Every case: the registry stays byte-identical, a French message, its own exit code.

Root ignores file permissions, so read-only file systems and full disks are simulated by making the
system call itself fail with the real errno (EROFS, ENOSPC) at the step where the kernel would."""
from __future__ import annotations

import errno
import multiprocessing as mp
import os
import shutil
import threading
from pathlib import Path

import pytest

from geo.cli import main
from geo.importing import analyze, registry_codes
from geo.registry import files as registry_files
from geo.registry import load_registry
from geo.registry.files import PARTIAL_PREFIX, STAGING_PREFIX, clean_stale_if_idle, registry_lock
from geo.registry.store import PublishError, fingerprints, publish
from tests.import_support import csv_bytes, snapshot

HEADER = ["CPTS", "Commune", "Code INSEE"]
LISTING = csv_bytes([HEADER, ["CPTS du Pays de Vitré", "Vitré", "35360"], ["CPTS du Pays de Vitré", "Balazé", ""],
                     ["CPTS Nouvelle Essai", "Fougères", ""]])

pytestmark = pytest.mark.usefixtures("real_registry_untouched")


def analyze_on(root, data, communes, matcher, name="liste.csv"):
    reg = load_registry(root)
    return analyze(data, name, communes, matcher, reg, registry_codes(reg, communes, matcher))


def failing_copy(monkeypatch, under: Path, err: int, after: int = 0):
    """shutil.copy2 (as used by the backup and staging copies) fails with ``err`` for a destination
    under ``under``, after ``after`` successful copies there."""
    real = shutil.copy2
    done = []

    def copy2(src, dst, **kw):
        if Path(dst).resolve().is_relative_to(Path(under).resolve()):
            if len(done) >= after:
                raise OSError(err, os.strerror(err), str(dst))
            done.append(dst)
        return real(src, dst, **kw)

    monkeypatch.setattr(registry_files.shutil, "copy2", copy2)


def test_read_only_registry_french_message_and_exit_code(root, backups, communes, matcher, monkeypatch):
    result = analyze_on(root, LISTING, communes, matcher)
    before = snapshot(root)
    real_open = os.open

    def ro_open(path, flags, *a):
        if str(path).startswith(str(root)) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_open(path, flags, *a)

    monkeypatch.setattr(registry_files.os, "open", ro_open)
    with pytest.raises(PublishError) as exc:
        publish(result, root, backups)
    assert exc.value.exit_code == PublishError.READ_ONLY == 5
    assert "lecture seule" in str(exc.value) and "le registre est inchangé" in str(exc.value)
    assert str(root) in str(exc.value) and "Errno" not in str(exc.value)
    monkeypatch.undo()
    assert snapshot(root) == before


def test_read_only_backups_folder(root, backups, communes, matcher, monkeypatch):
    result = analyze_on(root, LISTING, communes, matcher)
    before = snapshot(root)
    backups.mkdir()
    failing_copy(monkeypatch, backups, errno.EROFS)
    with pytest.raises(PublishError) as exc:
        publish(result, root, backups)
    assert exc.value.exit_code == PublishError.READ_ONLY
    assert "dossier des sauvegardes" in str(exc.value) and "lecture seule" in str(exc.value)
    assert snapshot(root) == before
    assert list(backups.iterdir()) == []  # no partial backup left behind


def test_disk_full_during_the_backup(root, backups, communes, matcher, monkeypatch):
    result = analyze_on(root, LISTING, communes, matcher)
    before = snapshot(root)
    failing_copy(monkeypatch, backups, errno.ENOSPC, after=3)
    with pytest.raises(PublishError) as exc:
        publish(result, root, backups)
    assert exc.value.exit_code == PublishError.DISK_FULL == 6
    assert "plus de place sur le disque" in str(exc.value) and "Libérez" in str(exc.value)
    assert snapshot(root) == before
    assert list(backups.iterdir()) == []


def test_disk_full_while_writing_the_new_registry(root, backups, communes, matcher, monkeypatch):
    result = analyze_on(root, LISTING, communes, matcher)
    before = snapshot(root)
    failing_copy(monkeypatch, root, errno.ENOSPC, after=5)  # the staging copy, inside the registry folder
    with pytest.raises(PublishError) as exc:
        publish(result, root, backups)
    assert exc.value.exit_code == PublishError.DISK_FULL
    assert f"le registre ({root})" in str(exc.value)
    assert snapshot(root) == before
    assert not list(root.glob(f"{STAGING_PREFIX}*"))


def test_cli_exit_codes_and_french_stderr(tmp_path, root, backups, communes, matcher, monkeypatch, capsys):
    f = tmp_path / "liste.csv"
    f.write_bytes(csv_bytes([HEADER, ["CPTS Nouvelle Essai", "Fougères", ""]]))  # creates, removes nothing
    before = snapshot(root)
    failing_copy(monkeypatch, backups, errno.ENOSPC)
    code = main(["import", str(f), "--registry", str(root), "--backups", str(backups)])
    err = capsys.readouterr().err
    assert code == 6 and err.startswith("Erreur : Écriture impossible") and "Traceback" not in err
    monkeypatch.undo()
    failing_copy(monkeypatch, backups, errno.EACCES)
    code = main(["import", str(f), "--registry", str(root), "--backups", str(backups)])
    assert code == 5 and "permission refusée" in capsys.readouterr().err
    assert snapshot(root) == before


def test_leftovers_of_a_killed_publication_are_cleaned(root, backups, communes, matcher):
    stale = root / f"{STAGING_PREFIX}4242-deadbeef"
    (stale / "cpts").mkdir(parents=True)
    (stale / "cpts" / "x.yaml").write_text("id: x\n")
    partial = backups / f"{PARTIAL_PREFIX}registre-20260101-000000-000000"
    partial.mkdir(parents=True)
    result = analyze_on(root, LISTING, communes, matcher)
    report = publish(result, root, backups)
    assert report.created == ["nouvelle-essai"]
    assert not stale.exists() and not partial.exists()
    assert [p.name for p in backups.iterdir()] == [report.backup.name]


def test_leftovers_are_kept_while_a_publication_holds_the_lock(root, backups):
    stale = root / f"{STAGING_PREFIX}4242-deadbeef"
    stale.mkdir()
    held, release = threading.Event(), threading.Event()

    def hold():
        with registry_lock(root):
            held.set()
            release.wait(30)

    t = threading.Thread(target=hold)
    t.start()
    try:
        assert held.wait(30)
        assert clean_stale_if_idle(root, backups) == [] and stale.exists()  # may be a live publication's
    finally:
        release.set()
        t.join()
    assert clean_stale_if_idle(root, backups) == [stale] and not stale.exists()


def test_same_new_cpts_published_twice_is_refused(root, backups, communes, matcher):
    a = csv_bytes([HEADER, ["CPTS Nouvelle Essai", "Fougères", ""]])
    b = csv_bytes([HEADER, ["CPTS Nouvelle Essai", "Lécousse", ""]])
    ra, rb = analyze_on(root, a, communes, matcher), analyze_on(root, b, communes, matcher)
    prints = fingerprints(root)
    assert publish(ra, root, backups, expected=prints).created == ["nouvelle-essai"]
    after_a = snapshot(root)
    with pytest.raises(PublishError) as exc:
        publish(rb, root, backups, expected=prints)
    assert exc.value.exit_code == PublishError.CONFLICT == 3
    assert "« CPTS Nouvelle Essai » (nouvelle-essai) créée entre-temps" in str(exc.value)
    assert snapshot(root) == after_a  # the first one's perimeter is still there


def test_same_new_cpts_under_another_id_is_refused_too(root, backups, communes, matcher):
    """Same name, different id (the other file gave an id): still the CPTS this analysis would create."""
    a = csv_bytes([["Identifiant CPTS", *HEADER], ["essai-par-id", "CPTS Nouvelle Essai", "Fougères", ""]])
    b = csv_bytes([HEADER, ["CPTS Nouvelle Essai", "Lécousse", ""]])
    ra, rb = analyze_on(root, a, communes, matcher), analyze_on(root, b, communes, matcher)
    prints = fingerprints(root)
    created = publish(ra, root, backups, expected=prints).created
    assert len(created) == 1
    with pytest.raises(PublishError, match="créée entre-temps") as exc:
        publish(rb, root, backups, expected=prints)
    assert exc.value.exit_code == PublishError.CONFLICT


def _publish_in_process(args):
    root, backups, rows, barrier = args
    from geo.matching import Matcher
    from geo.referential import load_communes
    communes = load_communes()
    m = Matcher(communes)
    result = analyze_on(Path(root), csv_bytes(rows), communes, m)
    prints = fingerprints(Path(root))
    barrier.wait(timeout=120)
    try:
        return publish(result, Path(root), Path(backups), expected=prints).created
    except PublishError as e:
        return e.exit_code


def test_two_concurrent_publications_of_the_same_new_cpts(root, backups, communes, matcher):
    ctx = mp.get_context("fork")
    barrier = ctx.Manager().Barrier(2)
    jobs = [(str(root), str(backups), [HEADER, ["CPTS Nouvelle Concurrente", commune, ""]], barrier)
            for commune in ("Fougères", "Lécousse")]
    with ctx.Pool(2) as pool:
        done = pool.map(_publish_in_process, jobs)
    assert sorted(done, key=str) == [3, ["nouvelle-concurrente"]]  # one lands, the other is told
    winner = ["35115", "35150"][done.index(["nouvelle-concurrente"])]
    codes = {t.id: t for t in __import__("geo.territories", fromlist=["x"]).build_territories(
        load_registry(root), communes, matcher)}["nouvelle-concurrente"].codes
    assert codes == [winner]
