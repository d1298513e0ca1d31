"""The municipality's mapping file: how a DSO verzoek lands in its own ZGW catalogue.

One YAML file (the example shipped in stam_mapping/data/default-mapping.yaml documents every
key) is validated into a frozen `MunicipalMapping` at start-up; a bad file is a
MappingFileError naming the file, the key path and the line. At run time a verzoek with
something the file does not cover is a MappingGap (staff extend the file and retry).
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from stam_mapping.berichten import Berichten
from stam_mapping.errors import MappingFileError, MappingGap
from stam_mapping.model import Doel, Verzoek, VerzoekType

Vertrouwelijkheidaanduiding = Literal[
    "openbaar",
    "beperkt_openbaar",
    "intern",
    "zaakvertrouwelijk",
    "vertrouwelijk",
    "confidentieel",
    "geheim",
    "zeer_geheim",
]


def _check_rsin(value: str) -> str:
    if not re.fullmatch(r"[0-9]{9}", value):
        raise ValueError("rsin must be 9 digits")
    total = sum(int(d) * w for d, w in zip(value[:8], range(9, 1, -1), strict=True)) - int(value[8])
    if total % 11:
        raise ValueError("rsin fails the 11-proef")
    return value


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Catalogus(_Frozen):
    domein: str = Field(min_length=1, max_length=5)
    rsin: str

    @field_validator("rsin")
    @classmethod
    def _rsin(cls, value: str) -> str:
        return _check_rsin(value)


class Activiteit(_Frozen):
    """A known activiteitId. `zaaktype` (optional) routes verzoeken with this activiteit to their
    own zaaktype; `voor_types` (optional) limits that to some verzoek types."""

    zaaktype: str | None = None
    voor_types: tuple[VerzoekType, ...] = ()


class Roltype(_Frozen):
    omschrijving: str
    omschrijving_generiek: str | None = None


class Roltypen(_Frozen):
    initiator: Roltype = Roltype(omschrijving="Aanvrager", omschrijving_generiek="initiator")
    gemachtigde: Roltype = Roltype(omschrijving="Gemachtigde")


class Status(_Frozen):
    """What one doel does to the zaak's status. `statustype` is the omschrijving of the
    statustype to set; None means the initial one (lowest volgnummer)."""

    statustype: str | None = None
    toelichting: str = Field(min_length=1, max_length=1000)


class Intrekking(Status):
    """How an intrekking ends the zaak. `statustype` None means the eindstatus (the highest
    volgnummer). Open Zaak closes a zaak only when it has a resultaat, so setting the eindstatus
    first registers a resultaat of the resultaattype named `resultaattype` (omschrijving), whose
    brondatumArchiefprocedure must be derivable from the zaak alone (e.g. afleidingswijze
    `afgehandeld`). The zaak's documents stay with it: they are created with
    indicatieGebruiksrecht false (no gebruiksrechten registered) and unlocked, as closing needs."""

    resultaattype: str | None = Field(default=None, min_length=1, max_length=80)
    resultaat_toelichting: str = Field(
        default="Verzoek ingetrokken door de initiatiefnemer via het Omgevingsloket",
        min_length=1,
        max_length=1000,
    )


class Statussen(_Frozen):
    initieren: Status = Status(toelichting="Verzoek ontvangen via het Omgevingsloket (DSO)")
    conceptverzoek: Status = Status(toelichting="Conceptverzoek ontvangen via het Omgevingsloket (DSO)")
    aanvullen: Status = Status(statustype="Aangevuld", toelichting="Aanvulling ontvangen via het DSO")
    intrekken: Intrekking = Intrekking(toelichting="Verzoek ingetrokken door de initiatiefnemer")

    def voor(self, doel: Doel) -> Status:
        return {
            Doel.INITIEREN: self.initieren,
            Doel.CONCEPTVERZOEK: self.conceptverzoek,
            Doel.AANVULLEN: self.aanvullen,
            Doel.INTREKKEN: self.intrekken,
        }[doel]


class Vertrouwelijkheid(_Frozen):
    zaak: Vertrouwelijkheidaanduiding = "zaakvertrouwelijk"
    document: Vertrouwelijkheidaanduiding = "zaakvertrouwelijk"
    vertrouwelijk_document: Vertrouwelijkheidaanduiding = "vertrouwelijk"  # vertrouwelijk=true in STAM


class Documenten(_Frozen):
    auteur: str = Field(default="Initiatiefnemer via het Omgevingsloket", min_length=1, max_length=200)
    taal: str = Field(default="dut", pattern=r"^[a-z]{3}$")
    status: Literal["definitief", "gearchiveerd"] = "definitief"
    default_informatieobjecttype: str = Field(min_length=1)
    # documentsoortDSO -> informatieobjecttype omschrijving
    informatieobjecttypen: dict[str, str] = {}


class StufZknMapping(_Frozen):
    """What only the StUF-ZKN adapter needs. `zaaktype_codes` maps a zaaktype identificatie (as
    chosen by the rules above) to the zaaktype `code` of the StUF counterpart: StUF-ZKN 3.10
    allows at most 10 characters there (ZKN:Code), so the long ZGW identificaties cannot be sent
    as they are. An identificatie without an entry is sent unchanged when it fits."""

    zaaktype_codes: dict[str, Annotated[str, Field(min_length=1, max_length=10)]] = {}
    # The ZKN betrokkene has no KvK-nummer field (inn.nnpId is the RSIN): it goes in the rol's
    # toelichting, for the clerk. An assumption, off by default: the counterpart has agreed a
    # StUF extraElement named "kvkNummer" and takes it from there.
    kvk_als_extra_element: bool = False

    def zaaktype_code(self, identificatie: str) -> str:
        code = self.zaaktype_codes.get(identificatie, identificatie)
        if len(code) > STUF_CODE_MAX:
            raise MappingGap(
                f"zaaktype {identificatie!r} has no StUF code of at most {STUF_CODE_MAX} characters "
                "(stuf_zkn.zaaktype_codes in the mapping file)"
            )
        return code

    def missing(self, identificaties: set[str]) -> list[str]:
        """The identificaties that would go to StUF too long: no entry and over the limit."""
        return sorted(i for i in identificaties if i not in self.zaaktype_codes and len(i) > STUF_CODE_MAX)


STUF_CODE_MAX = 10  # ZKN:Code in StUF-ZKN 3.10


class MunicipalMapping(_Frozen):
    catalogus: Catalogus
    bronorganisatie: str
    verantwoordelijke_organisatie: str | None = None  # default: bronorganisatie
    kenmerk_bron: str = Field(default="DSO", min_length=1, max_length=40)
    zaaktype_per_doel: dict[Doel, str] = {}
    zaaktype_per_type: dict[VerzoekType, str] = {}
    activiteiten: dict[str, Activiteit] = {}
    # vraagId -> eigenschap naam
    eigenschappen: dict[int, str] = {}
    # eigenschap that receives the activiteitNamen, comma separated (None: not used)
    activiteiten_eigenschap: str | None = None
    documenten: Documenten
    roltypen: Roltypen = Roltypen()
    vertrouwelijkheid: Vertrouwelijkheid = Vertrouwelijkheid()
    statussen: Statussen = Statussen()
    # ZGW requires a BAG id in a rol's verblijfsadres; STAM person addresses have none.
    adres_zonder_bag_id: str = Field(default="onbekend", min_length=1, max_length=100)
    stuf_zkn: StufZknMapping = StufZknMapping()
    # What the initiatiefnemer is told, and the beslistermijn per zaaktype (stam_mapping/berichten.py).
    berichten: Berichten = Berichten()

    @field_validator("bronorganisatie", "verantwoordelijke_organisatie")
    @classmethod
    def _rsin(cls, value: str | None) -> str | None:
        return None if value is None else _check_rsin(value)

    @field_validator("activiteiten", mode="before")
    @classmethod
    def _bare_activiteiten(cls, value: Any) -> Any:
        # `activiteitId:` with nothing after it is a known activiteit without own zaaktype.
        if isinstance(value, dict):
            return {k: ({} if v is None else v) for k, v in value.items()}
        return value

    def zaaktype_voor(self, verzoek: Verzoek) -> str:
        """The zaaktype identificatie for a verzoek. Precedence (first that applies):
        1. zaaktype_per_doel[doel]; 2. the zaaktype of the first projectactiviteit whose
        entry names one (and whose voor_types, if given, include the type);
        3. zaaktype_per_type[type]. Every activiteitId must be listed in `activiteiten`."""
        for activiteit in verzoek.projectactiviteiten:
            if activiteit.activiteit_id not in self.activiteiten:
                raise MappingGap(f"activiteitId {activiteit.activiteit_id} is not in the mapping file")
        if verzoek.doel in self.zaaktype_per_doel:
            return self.zaaktype_per_doel[verzoek.doel]
        for activiteit in verzoek.projectactiviteiten:
            regel = self.activiteiten[activiteit.activiteit_id]
            if regel.zaaktype and (not regel.voor_types or verzoek.type in regel.voor_types):
                return regel.zaaktype
        if verzoek.type in self.zaaktype_per_type:
            return self.zaaktype_per_type[verzoek.type]
        raise MappingGap(f"no zaaktype for verzoek type {verzoek.type.value!r} (doel {verzoek.doel.value})")

    def informatieobjecttype_voor(self, documentsoort_dso: str | None) -> str:
        if documentsoort_dso is None:
            return self.documenten.default_informatieobjecttype
        return self.documenten.informatieobjecttypen.get(
            documentsoort_dso, self.documenten.default_informatieobjecttype
        )


def _line_of(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """1-based line of the YAML node at `loc` (or of its nearest existing parent)."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if str(k.value) == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            match = node.value[part]
        else:
            match = None
        if match is None:
            break
        node = match
        line = node.start_mark.line + 1
    return line


def _mapping_from_text(text: str, source: str) -> MunicipalMapping:
    try:
        data = yaml.safe_load(text)
        tree = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise MappingFileError(f"{source}: {problem}{where}") from exc
    if not isinstance(data, dict):
        raise MappingFileError(f"{source}: the mapping file must be a YAML mapping at the top level")
    try:
        return MunicipalMapping.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False, include_input=False)[:5]:
            loc = tuple(error["loc"])
            line = _line_of(tree, loc)
            path = ".".join(str(p) for p in loc) or "(top level)"
            at = f" (line {line})" if line else ""
            problems.append(f"{path}{at}: {error['msg'].removeprefix('Value error, ')}")
        raise MappingFileError(f"{source}: " + "; ".join(problems)) from exc


def load_mapping(path: Path) -> MunicipalMapping:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingFileError(f"{path}: cannot read the mapping file ({type(exc).__name__})") from exc
    return _mapping_from_text(text, str(path))


@cache  # an immutable package resource: parse it once
def default_mapping() -> MunicipalMapping:
    """The example mapping shipped with the package (the demo catalogue)."""
    resource = resources.files("stam_mapping.data").joinpath("default-mapping.yaml")
    return _mapping_from_text(resource.read_text(encoding="utf-8"), "default-mapping.yaml")
