"""Registry model, continued: the facts that the ARS tracking table (« tableau de suivi des CPTS »,
geo/importing/facts_*.py) brings besides those of geo/registry/models.py — missions engaged, public
contact, and the other declared value of a single-valued figure when two sources disagree.

Same conventions as models.py (frozen pydantic dataclasses, French docstrings shown by editors
from the JSON Schema, keys refused when unknown). Mission keys are listed here
as a Literal (models.py checks they are models.MISSION_KEYS).
"""
from __future__ import annotations

from dataclasses import field
from typing import Annotated, Literal, Optional

from pydantic import ConfigDict, Field, StrictStr
from pydantic.dataclasses import dataclass as model

from .fields import Bool, Date, HttpUrlText, Int, OptText, SourceRef, Text

_CONFIG = ConfigDict(extra="forbid")

EMAIL_PATTERN = r"^[^@\s<>\"'`]+@[^@\s<>\"'`]+\.[A-Za-z]{2,}$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"
Email = Annotated[StrictStr, Field(pattern=EMAIL_PATTERN)]
Sha256 = Annotated[StrictStr, Field(pattern=SHA256_PATTERN)]

#: Keys of models.MISSIONS (models.py asserts they are the same: it imports this module, not the reverse).
MissionKey = Literal["acces_aux_soins", "parcours_pluriprofessionnels", "prevention", "crises_sanitaires",
                     "qualite_pertinence", "accompagnement_professionnels"]

#: Single-valued declared figures of a CPTS file: a second value of one of them sits in ``autres_valeurs``.
SINGLE_VALUED = ("population_declaree", "communes_declarees", "taille_aci_declaree")
SingleValued = Literal[SINGLE_VALUED]


def _model(cls):
    return model(frozen=True, kw_only=True, config=_CONFIG)(cls)


@_model
class AutreValeur:
    """Autre valeur déclarée d'un chiffre unique (population, nombre de communes, taille ACI) par une
    autre source, quand deux sources ne concordent pas : la fiche montre les deux avec leurs dates."""

    champ: SingleValued
    valeur: Int(1)
    date: Optional[Date] = None
    source: SourceRef
    citation: Text
    note: OptText = None
    infere: Bool = False


@_model
class MissionEngagee:
    """Mission de l'ACI engagée (ou non) d'après une source, avec sa citation."""

    mission: MissionKey
    engagee: Bool
    citation: Text
    note: OptText = None


@_model
class MissionsEngagees:
    """Missions socle et complémentaires engagées par la CPTS, d'après une source datée."""

    date: Optional[Date] = None
    source: SourceRef
    missions: list[MissionEngagee] = field(default_factory=list)
    note: OptText = None


@_model
class Contact:
    """Contact public de la CPTS (site web, adresse électronique générique), avec sa citation."""

    site_web: Optional[HttpUrlText] = None
    courriel: Optional[Email] = None
    source: SourceRef
    citations: list[Text] = Field(min_length=1)  # one per cell read (site, e-mail)
    note: OptText = None


__all__ = ["AutreValeur", "MissionEngagee", "MissionsEngagees", "Contact", "Email", "Sha256", "SINGLE_VALUED",
           "EMAIL_PATTERN", "SHA256_PATTERN"]
