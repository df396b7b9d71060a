"""The payload with place names: what the file package, the CLI export and the SMS to 1708 show.

A complaint stores its location as Kepmendagri codes (``lokasi.kecamatan_code``,
``lokasi.desa_code``); people read names. :func:`payload_for_export` is
``model.to_payload`` (anonim already applied) with ``lokasi.kecamatan`` and ``lokasi.desa``
added by name from the bundled list, so the Kominfo operator's package and the CLI's
manual export show "Luwihaji, Ngraho", not only ``35.22.01.2001``. The HTTP push sends
``to_payload`` itself: its schema carries codes only.

A missing or unreadable place list costs the names, never the payload: they are then None.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from studio_console.complaints.model import Complaint, to_payload

__all__ = ["lokasi_names", "payload_for_export"]


def _default_places() -> Any:
    try:
        from studio_console.places import load_places

        return load_places()
    except Exception:  # a missing list costs the names, never the message
        return None


def lokasi_names(lokasi: Mapping[str, Any], places: Any = None) -> tuple[str | None, str | None]:
    """(kecamatan name, desa name) of a payload's ``lokasi``; None where no name is known.

    Names already in ``lokasi`` (``kecamatan``/``desa``, or ``kecamatan_name``/``desa_name``)
    are kept; the others are looked up by code in ``places`` (default: the bundled list).
    The desa's kecamatan name is used when only the desa code is given.
    """
    desa_code = lokasi.get("desa_code") or None
    kec_code = lokasi.get("kecamatan_code") or None
    desa = lokasi.get("desa") or lokasi.get("desa_name") or None
    kecamatan = lokasi.get("kecamatan") or lokasi.get("kecamatan_name") or None
    if (desa_code and not desa) or (kec_code and not kecamatan):
        if places is None:
            places = _default_places()
        if places is not None:
            place = places.desa(desa_code) if desa_code else None
            if place is not None:
                desa = desa or place.desa_name
                if not kecamatan and (not kec_code or kec_code == place.kecamatan_code):
                    kecamatan = place.kecamatan_name
            if not kecamatan and kec_code:
                kecamatan = places.kecamatan_name(kec_code)
    return kecamatan, desa


def payload_for_export(complaint: Complaint, places: Any = None) -> dict[str, Any]:
    """``to_payload(complaint)`` with ``lokasi.kecamatan`` and ``lokasi.desa`` names added.

    Args:
        complaint: the complaint.
        places: the kecamatan/desa list (default: the bundled Kepmendagri list).
    """
    payload = to_payload(complaint)
    lokasi = payload.get("lokasi") if isinstance(payload.get("lokasi"), dict) else {}
    kecamatan, desa = lokasi_names(lokasi, places)
    payload["lokasi"] = {**lokasi, "kecamatan": kecamatan, "desa": desa}
    return payload
