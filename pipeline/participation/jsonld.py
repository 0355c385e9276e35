"""schema.org Event markup of an event page, as a JSON-LD data block.

A `<script type="application/ld+json">` is data, never run: the Content-Security-Policy
(script-src 'self') does not apply to it. The JSON is escaped so that no value from the
data can close the element (`<`, `>` and `&` are written as \\u escapes).
"""

from __future__ import annotations

import json
import re
from typing import Any

from markupsafe import Markup

from pipeline.config import SiteSettings
from pipeline.participation.common import absolute_url
from pipeline.participation.events import Event
from pipeline.text import first_sentence

SCHEMA = "https://schema.org/"
ADDRESS = re.compile(r"^(?P<street>.*?),?\s*(?P<postcode>\d{5})\s+(?P<locality>[^,]+)$")


def event_jsonld(event: Event, settings: SiteSettings, body_name: str | None = None) -> dict[str, Any]:
    page = absolute_url(settings, event.url)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Event",
        "@id": page + "#evenement",
        "name": event.title,
        "url": page,
        "startDate": event.start.isoformat(),
        "endDate": event.end.isoformat(),
        "eventStatus": SCHEMA + ("EventCancelled" if event.cancelled else "EventScheduled"),
        "eventAttendanceMode": SCHEMA + _attendance(event),
        "location": _locations(event),
        "organizer": {"@type": "Organization", "name": settings.owner or settings.name,
                      **({"url": settings.owner_url} if settings.owner_url else {})},
        "isAccessibleForFree": True,
        "inLanguage": "fr",
    }
    if event.description:
        data["description"] = first_sentence(event.description, 300)
    if event.registration_url:
        offer: dict[str, Any] = {"@type": "Offer", "url": event.registration_url, "price": "0",
                                 "priceCurrency": "EUR"}
        if event.registration_open:
            offer["availability"] = SCHEMA + "InStock"
        if event.registration_deadline:
            offer["validThrough"] = event.registration_deadline.isoformat()
        data["offers"] = offer
    if body_name:
        data["superEvent"] = {"@type": "EventSeries", "name": body_name,
                              "url": absolute_url(settings, f"instances/{event.body}/")}
    if event.minutes is not None:
        data["subjectOf"] = {"@type": "DigitalDocument", "name": "Compte rendu",
                             "url": absolute_url(settings, event.minutes.path),
                             "encodingFormat": event.minutes.media_type}
    return data


def script_json(data: dict[str, Any]) -> Markup:
    """JSON text safe inside <script type="application/ld+json">."""
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def _attendance(event: Event) -> str:
    if event.online_url and event.in_person:
        return "MixedEventAttendanceMode"
    return "OnlineEventAttendanceMode" if event.online_url else "OfflineEventAttendanceMode"


def _locations(event: Event) -> list[dict[str, Any]] | dict[str, Any]:
    places: list[dict[str, Any]] = []
    if event.in_person or not event.online_url:
        place: dict[str, Any] = {"@type": "Place", "name": event.place,
                                 "address": _address(event)}
        if event.located:
            place["geo"] = {"@type": "GeoCoordinates", "latitude": event.latitude,
                            "longitude": event.longitude}
        places.append(place)
    if event.online_url:
        places.append({"@type": "VirtualLocation", "url": event.online_url})
    return places[0] if len(places) == 1 else places


def _address(event: Event) -> dict[str, Any]:
    address: dict[str, Any] = {"@type": "PostalAddress", "addressCountry": "FR"}
    match = ADDRESS.match(event.address.strip())
    if match:
        address.update(streetAddress=match["street"].strip(" ,"), postalCode=match["postcode"],
                       addressLocality=match["locality"].strip())
    elif event.address:
        address["streetAddress"] = event.address
    return address
