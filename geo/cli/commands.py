"""The table of ``python -m geo`` subcommands: name, one-line help, and the module that adds it.

Pure data, no imports: ``python -m geo --help`` reads this table without importing any command
module (those pull in pandas, geopandas, matplotlib…). Only the module of the command actually run
is imported (geo/cli/__init__.py). To add a command: write a module with ``register(subparsers)``
that calls ``subparsers.add_parser(NAME, help=HELP[NAME], …)`` and sets ``func``, then add a row
here. tests/cli/test_cli.py checks that every row's help is the one its module registers.

Several rows may share a module (its ``register`` adds all of them), and one command may need
several modules, in order (``export``: the registry export, then the tables export that extends it).
"""
from __future__ import annotations

# name -> (help shown by ``python -m geo --help``, modules whose register() build the command)
COMMANDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "build-data": ("construit data/communes.parquet depuis les sources déclarées", ("geo.cli.build_data",)),
    "territories": ("territoires des CPTS (codes INSEE, populations, écarts)", ("geo.cli.territories",)),
    "lookup": ("commune et CPTS d'un point (LAT LON, ou « - » pour lire stdin)", ("geo.cli.lookup",)),
    "check": ("valide le registre et affiche le rapport de qualité des données", ("geo.cli.check",)),
    "schema": ("schéma JSON des fichiers du registre (généré depuis le modèle de données)", ("geo.cli.schema",)),
    "import": ("importe une liste régionale de CPTS (CSV, XLSX ou GeoJSON) dans le registre",
               ("geo.cli.importing",)),
    "export": ("exporte le registre au format de l'import (FICHIER.csv ou FICHIER.xlsx)",
               ("geo.cli.importing", "geo.cli.exports")),
    "map": ("carte PNG des CPTS, hors ligne (titre, légende, sources, date)", ("geo.cli.exports",)),
    "fiche": ("fiche PDF d'une page pour une CPTS", ("geo.cli.exports",)),
    "history": ("versions publiées du registre (history show N : détail d'une version)", ("geo.cli.history",)),
    "restore": ("restaure une version du registre (devient une nouvelle version)", ("geo.cli.history",)),
    "tiles": ("construit les tuiles vectorielles de la carte d'un territoire (France entière)", ("geo.cli.tiles",)),
    "editeurs": ("comptes des éditeurs qui publient (ajouter NOM, lister, retirer NOM)", ("geo.cli.editors",)),
}

HELP = {name: help_ for name, (help_, _) in COMMANDS.items()}
