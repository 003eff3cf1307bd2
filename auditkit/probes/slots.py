"""Slot kinds of template probes: what fills the ``{...}`` slot of a response template.

* ``country`` (``{country}``): the study's probe; fillers are countries (auditkit.probes.countries),
  ranked into the summary's ``countries``;
* ``language`` (``{language}``): fillers are languages, named in English ("I think Bengali is
  ..."), ranked into ``languages`` with ``reference_language``;
* ``list`` (``{NAME}``, any identifier): a user-defined list of fillers declared in the probe
  set, ranked into ``fillers`` with ``reference_filler``.

A probe set declares its slot in YAML (``slot: language`` or ``slot: {kind: list, name:
religion, fillers: [...], reference: ...}``); without a declaration it is a country probe.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from auditkit.errors import AuditkitError, InputError
from auditkit.facts.languages import UNDETERMINED, language_name, normalise_code

SLOT_KINDS = ("country", "language", "list")
# Languages a `{language}` template probe ranks unless --languages says otherwise: the nine
# TyDiQA languages of the study and widely spoken languages of every continent.
DEFAULT_TEMPLATE_LANGUAGES = (
    "en", "ar", "bn", "fi", "id", "ko", "ru", "sw", "te",
    "zh", "es", "fr", "hi", "pt", "de", "ja", "yo", "am", "ha", "tr", "vi", "fa",
)  # fmt: skip
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Filler:
    """One filler of a non-country slot: ``name`` as the answer writes it, ``code`` as the
    summary keys it (a language code; the name itself for a user list)."""

    name: str
    code: str
    iso3: None = None  # countries have one; kept so long score tables share their columns

    def mention(self, sentence_initial: bool = False) -> str:
        return self.name[:1].upper() + self.name[1:] if sentence_initial else self.name


@dataclass(frozen=True)
class Slot:
    kind: str = "country"
    name: str = "country"
    fillers: tuple[str, ...] = ()  # list kind: as declared
    reference: str | None = None

    @property
    def placeholder(self) -> str:
        return "{" + self.name + "}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "placeholder": self.placeholder,
            "fillers": list(self.fillers),
            "reference": self.reference,
        }


COUNTRY_SLOT = Slot()


def parse_slot(raw: Any, path: Any) -> Slot:
    """The ``slot:`` of a YAML probe set."""
    if raw is None or raw == "country":
        return COUNTRY_SLOT
    if raw == "language":
        return Slot("language", "language")
    if not isinstance(raw, dict):
        raise InputError(
            f"slot must be country, language or a mapping {{kind, name, fillers}}, got {raw!r}",
            path,
            None,
            "slot",
        )
    kind = str(raw.get("kind") or "list")
    if kind not in SLOT_KINDS:
        raise InputError(f"unknown slot kind {kind!r}: {', '.join(SLOT_KINDS)}", path, None, "slot")
    name = str(raw.get("name") or kind)
    if not _NAME.match(name):
        raise InputError(f"slot name must be an identifier, got {name!r}", path, None, "slot.name")
    fillers = raw.get("fillers") or []
    if not isinstance(fillers, list) or not all(isinstance(f, (str, int)) for f in fillers):
        raise InputError("slot.fillers must be a list of names", path, None, "slot.fillers")
    fillers = tuple(str(f).strip() for f in fillers)
    if kind == "list":
        if len(fillers) < 2:
            raise InputError("a list slot needs at least two fillers", path, None, "slot.fillers")
        if len(set(fillers)) != len(fillers):
            raise InputError("slot.fillers has duplicates", path, None, "slot.fillers")
    ref = raw.get("reference")
    if ref is not None and kind == "list" and str(ref) not in fillers:
        raise InputError(f"slot.reference {ref!r} is not a filler", path, None, "slot.reference")
    return Slot(kind, name, fillers, None if ref is None else str(ref))


def resolve_fillers(slot: Slot, languages: Any = None) -> list[Filler]:
    """The fillers of a non-country slot: the declared list, or languages (``languages``, else
    the slot's declared fillers, else ``DEFAULT_TEMPLATE_LANGUAGES``) named in English."""
    if slot.kind == "list":
        return [Filler(f, f) for f in slot.fillers]
    if slot.kind != "language":
        raise AuditkitError(f"slot kind {slot.kind!r} has no filler list here")
    codes = list(languages or slot.fillers or DEFAULT_TEMPLATE_LANGUAGES)
    out, seen = [], set()
    for c in codes:
        code = normalise_code(str(c))
        if code == UNDETERMINED or language_name(code) == code:
            raise AuditkitError(f"unknown language {c!r} for the {slot.placeholder} slot")
        if code not in seen:
            seen.add(code)
            out.append(Filler(language_name(code), code))
    return out
