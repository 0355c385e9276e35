"""French identifiers and places, checked without any lookup: SIRET and SIREN keys, phone
numbers, GPS coordinates in France.

Identifiers are checked on whole columns at once (numpy over the digits); phone numbers and
coordinates one value at a time, which is cheap at the sizes of local open data.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# The Luhn key: every second digit from the right is doubled, and the digits of the
# doubles summed (2 × 7 = 14 counts 1 + 4 = 5).
_DOUBLED = np.array([0, 2, 4, 6, 8, 1, 3, 5, 7, 9], dtype=np.int64)
LA_POSTE_SIREN = "356000000"
LA_POSTE_HEAD_OFFICE = "35600000000048"  # La Poste's own SIRET follows the Luhn rule


def _digits(values: Sequence[str], width: int) -> np.ndarray:
    """An (n, width) matrix of the digits of n strings of `width` ASCII digits."""
    if not values:
        return np.zeros((0, width), dtype=np.int64)
    raw = np.frombuffer("".join(values).encode("ascii"), dtype=np.uint8)
    return raw.reshape(len(values), width).astype(np.int64) - ord("0")


def _luhn(digits: np.ndarray) -> np.ndarray:
    """Whether each row of digits has a valid Luhn key."""
    width = digits.shape[1]
    doubled = (width - 1 - np.arange(width)) % 2 == 1  # every second digit from the right
    total = np.where(doubled, _DOUBLED[digits], digits).sum(axis=1)
    return total % 10 == 0


def _well_formed(values: Sequence[str | None], width: int) -> tuple[np.ndarray, list[str]]:
    pattern = re.compile(rf"\d{{{width}}}")
    formed = np.array([v is not None and bool(pattern.fullmatch(v)) for v in values], dtype=bool)
    return formed, [v for v, ok in zip(values, formed, strict=True) if ok]  # type: ignore[misc]


def siren_valid(values: Sequence[str | None]) -> np.ndarray:
    """Per value: 9 digits whose Luhn key is right."""
    formed, good = _well_formed(values, 9)
    valid = np.zeros(len(values), dtype=bool)
    valid[formed] = _luhn(_digits(good, 9))
    return valid


def siret_valid(values: Sequence[str | None]) -> np.ndarray:
    """Per value: 14 digits, a valid SIREN (its first 9) and a valid Luhn key over the 14,
    except for La Poste's establishments (SIREN 356000000, head office aside), whose 14
    digits add up to a multiple of 5 instead."""
    formed, good = _well_formed(values, 14)
    digits = _digits(good, 14)
    la_poste = np.array([v.startswith(LA_POSTE_SIREN) and v != LA_POSTE_HEAD_OFFICE for v in good],
                        dtype=bool)
    checked = np.where(la_poste, digits.sum(axis=1) % 5 == 0,
                       _luhn(digits) & _luhn(digits[:, :9]))
    valid = np.zeros(len(values), dtype=bool)
    valid[formed] = checked
    return valid


def siret_problem(value: str) -> str:
    """Why a SIRET is refused, in a few words (English, for the build report)."""
    if not re.fullmatch(r"\d{14}", value):
        return "a SIRET is 14 digits, without spaces or letters"
    if value.startswith(LA_POSTE_SIREN):
        return "a SIRET of La Poste has digits adding up to a multiple of 5"
    if not siren_valid([value[:9]])[0]:
        return f"its SIREN {value[:9]} (first 9 digits) has a wrong check digit"
    return "its check digit (Luhn key over the 14 digits) is wrong"


# --- phone numbers ----------------------------------------------------------------------------

# Dialled in France: 10 digits from 0, then 1-9 (01-05 geographic, 06-07 mobile, 08 special
# rates, 09 internet boxes; the overseas departments are numbered inside this plan too:
# 0262 La Réunion, 0590 Guadeloupe, 0594 Guyane, 0596 Martinique, 0269/0639 Mayotte…).
_NATIONAL = re.compile(r"0[1-9]\d{8}")
# From abroad: +33 without the 0, and the overseas country codes with their own lengths.
_OVERSEAS = {"262": 9, "269": 9, "590": 9, "594": 9, "596": 9, "508": 6, "681": 6, "687": 6,
             "689": 8}
# Short numbers: emergency (15, 17, 18, 112, 114, 115, 119…), 116 xxx, 10xx, 3xxx services.
_SHORT = re.compile(r"1[0-9]|11[0-9]|116\d{3}|10\d{2}|3\d{3}")
_SEPARATORS = re.compile(r"[\s.\-/]")


def phone_valid(value: str) -> bool:
    """A French phone number as people write it: 03 20 63 59 59, 03.20.63.59.59,
    +33 3 20 63 59 59, +33 (0)3 20 63 59 59, 0033 320635959, +262 262 12 34 56, short
    numbers (15, 3949); any other country's number in international form (+32 …) is
    accepted on its length (8 to 15 digits)."""
    text = _SEPARATORS.sub("", value.strip()).replace("(0)", "")
    if text.startswith("00"):
        text = "+" + text[2:]
    if not text.startswith("+"):
        return bool(_NATIONAL.fullmatch(text) or _SHORT.fullmatch(text))
    digits = text[1:]
    if not digits.isdigit():
        return False
    if digits.startswith("33"):
        return bool(re.fullmatch(r"[1-9]\d{8}", digits[2:]))
    for code, length in _OVERSEAS.items():
        if digits.startswith(code):
            return len(digits) - len(code) == length
    return 8 <= len(digits) <= 15


# --- places ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Box:
    name: str
    west: float
    south: float
    east: float
    north: float

    def holds(self, lon: float, lat: float) -> bool:
        return self.west <= lon <= self.east and self.south <= lat <= self.north


# Boxes around French land (WGS84 degrees, with a margin of a few km): generous, so a point
# just across a border passes, but a point at sea, abroad or with swapped axes does not.
FRANCE = (
    Box("France métropolitaine et Corse", -5.3, 41.3, 9.7, 51.15),
    Box("Guadeloupe", -61.9, 15.8, -60.95, 16.55),
    Box("Martinique", -61.25, 14.35, -60.8, 14.9),
    Box("Guyane", -54.65, 2.1, -51.5, 5.85),
    Box("La Réunion", 55.2, -21.4, 55.85, -20.85),
    Box("Mayotte", 44.95, -13.05, 45.35, -12.6),
    Box("Saint-Pierre-et-Miquelon", -56.45, 46.7, -56.1, 47.15),
    Box("Saint-Barthélemy et Saint-Martin", -63.2, 17.85, -62.75, 18.15),
    Box("Wallis-et-Futuna", -178.25, -14.4, -176.1, -13.15),
    Box("Polynésie française", -154.8, -27.7, -134.4, -7.85),
    Box("Nouvelle-Calédonie", 163.5, -22.8, 168.2, -19.5),
    Box("Terres australes et antarctiques françaises", 68.4, -50.05, 70.6, -48.4),  # Kerguelen
    Box("Crozet", 50.1, -46.5, 52.4, -45.9),
    Box("Amsterdam et Saint-Paul", 77.45, -38.8, 77.65, -37.75),
    Box("Clipperton", -109.25, 10.25, -109.17, 10.33),
)


def place_in_france(lon: float, lat: float) -> str | None:
    """The part of France a point lies in (by boxes), or None."""
    return next((box.name for box in FRANCE if box.holds(lon, lat)), None)


def parse_geopoint(value: object, fmt: str = "default") -> tuple[float, float] | None:
    """(lon, lat) of a Table Schema geopoint: "lon, lat", [lon, lat] or {"lon":…, "lat":…}."""
    try:
        if fmt == "array":
            lon, lat = json.loads(value) if isinstance(value, str) else value  # type: ignore[misc]
        elif fmt == "object":
            point = json.loads(value) if isinstance(value, str) else value
            lon, lat = point["lon"], point["lat"]  # type: ignore[index]
        else:
            lon, lat = str(value).split(",")
        return float(lon), float(lat)
    except (TypeError, ValueError, KeyError):
        return None
