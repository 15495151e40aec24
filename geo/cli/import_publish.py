"""The publish-and-report step of ``python -m geo import``, the same for a commune list or a GeoJSON
(geo/cli/importing.py, geo/registry/store.py publish) and for a tracking table (geo/cli/import_facts.py,
geo/registry/facts_publish.py publish_facts): nothing written while rows are to fix or nothing
changes, removals refused without ``--confirmer-suppressions`` (exit 8), then the publication under
the editor's name, its outcome in the JSON ``summary.publication`` or after the text report, and a
refused publication's French message on stderr with its exit code (geo/registry/problems.py).
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Callable

__all__ = ["EXIT_REMOVALS", "err", "publish_and_report"]

#: Exit code when publishing would take communes away from CPTS and --confirmer-suppressions is missing.
EXIT_REMOVALS = 8


def err(msg: str, code: int = 2) -> int:
    """Print ``Erreur : msg`` on stderr; returns the exit code."""
    print(f"Erreur : {msg}", file=sys.stderr)
    return code


def _print(args: argparse.Namespace, payload: dict, text: Callable[[dict | None], str], publication: dict | None) -> None:
    print(json.dumps(payload, ensure_ascii=False, indent=1) if args.json else text(publication))


def publish_and_report(args: argparse.Namespace, payload: dict, status: int, *, not_written: str | None,
                       removals: str | None, publish: Callable[[str], object], text: Callable[[dict | None], str],
                       extra: Callable[[object], dict] = lambda report: {}) -> int:
    """Publish unless ``--dry-run``, print the report, return the exit code (``status`` when all went well).

    ``not_written``: why nothing is published (rows to fix, no change), or None; ``removals``: the
    removals to confirm (French text) or None; ``publish(editeur)`` returns the publication's report
    (``text()``, ``backup``, ``created``, ``updated``, ``files``, ``version``) or raises PublishError;
    ``text(publication)`` is the text report; ``extra(report)``: more keys of the JSON publication."""
    from ..registry.history import os_user
    from ..registry.problems import PublishError

    publication = None
    if not args.dry_run:
        if not_written:
            publication = {"ecrit": False, "message": not_written}
        elif removals and not getattr(args, "confirm_removals", False):
            message = ("Suppressions non confirmées : " + removals + ". Rien n'a été écrit. "
                       "Vérifiez ces périmètres, puis relancez avec --confirmer-suppressions pour les publier.")
            payload["summary"]["publication"] = {"ecrit": False, "message": message}
            _print(args, payload, text, None)
            return err(message, EXIT_REMOVALS)
        else:
            try:
                report = publish(getattr(args, "editeur", None) or os_user())
            except PublishError as e:
                if args.json:
                    payload["summary"]["publication"] = {"ecrit": False, "message": str(e)}
                    print(json.dumps(payload, ensure_ascii=False, indent=1))
                return err(str(e), e.exit_code)
            publication = {"ecrit": True, "message": report.text(), "sauvegarde": str(report.backup),
                           "creees": report.created, "modifiees": report.updated, "fichiers": report.files,
                           **extra(report), "version": report.version}
        payload["summary"]["publication"] = publication
    _print(args, payload, text, publication)
    return status
