"""How the domain's values read to a person, in every language: for web pages and bot replies alike.

Messages are marked with `_` (an identity function, so `pybabel extract` finds them) and
translated when shown, by language, from core.i18n's catalogues.
"""

from core import standing
from core.i18n import translations


def _(message):
    """Mark a message for extraction; it is translated when shown."""
    return message


WORDS = {
    "interval": {"half_monthly": _("Half-monthly"), "quarterly": _("Quarterly"),
                 "half_yearly": _("Half-yearly"), "yearly": _("Yearly")},
    "visit_type": {"half_monthly": _("Half-monthly"), "quarterly": _("Quarterly"),
                   "half_yearly": _("Half-yearly"), "yearly": _("Yearly"), "repair": _("Repair"),
                   "rescue": _("Rescue")},
    "status": {"in_service": _("In service"), "under_maintenance": _("Under maintenance"),
               "out_of_service": _("Out of service")},
    "reason": {"no_location_checkin": _("no location check-in"),
               "outside_geofence": _("checked in away from the elevator"),
               "face_mismatch": _("face did not match the technician"), "no_photos": _("no photos of the work")},
    "item_result": {"ok": _("OK"), "adjusted": _("Adjusted"), "replaced": _("Replaced"), "issue": _("Issue found")},
    "inspection_result": {"pass": _("Passed"), "pass_after_rectification": _("Passed after rectification"),
                          "fail": _("Failed")},
    "supervision_result": {"no_issue": _("No problem found"), "rectify": _("Ordered to rectify"),
                           "stop_use": _("Ordered out of use")},
    "licence": {"business": _("Business licence"), "special_equipment": _("Special-equipment licence")},
    "deduction": {"overdue_share": _("Share of elevators overdue for maintenance"),
                  "invalid_share": _("Share of invalid maintenance visits (12 months)"),
                  "findings_per_elevator": _("Supervision findings per elevator (12 months)"),
                  "late_rescues": _("Rescue calls reached after the 30-minute target (12 months)")},
    "state": {standing.OK: _("On time"), standing.DUE_SOON: _("Due soon"), standing.OVERDUE: _("Overdue"),
              standing.FAILED: _("Failed")},
}


def word(kind, value, lang):
    """Return how a value of a kind (interval, status, ...) reads in a language; unknown values as they are."""
    message = WORDS[kind].get(value)
    return translations(lang).ugettext(message) if message else str(value)


def gettext(message, lang, **values):
    """Translate a message into a language and fill in its values."""
    text = translations(lang).ugettext(message)
    return text % values if values else text


def ngettext(singular, plural, n, lang, **values):
    """Translate a message with a count into a language and fill in its values."""
    return translations(lang).ungettext(singular, plural, n) % {"num": n, **values}


def maintenance_headline(concern, lang):
    """Return the one line that says how late, or how soon due, an elevator's maintenance is."""
    interval = word("interval", concern.interval, lang)
    if concern.state == standing.OVERDUE:
        return ngettext("%(interval)s maintenance overdue by %(num)d day",
                        "%(interval)s maintenance overdue by %(num)d days", concern.days, lang, interval=interval)
    if concern.days == 0:
        return gettext("%(interval)s maintenance due today", lang, interval=interval)
    return ngettext("%(interval)s maintenance due in %(num)d day",
                    "%(interval)s maintenance due in %(num)d days", concern.days, lang, interval=interval)


def inspection_headline(concern, lang):
    """Return the one line that says where an elevator's periodic inspection stands."""
    if concern.due is None:
        return gettext("No inspection on record.", lang)
    if concern.state == standing.FAILED:
        if concern.days:
            return ngettext("Failed its last inspection; overdue by %(num)d day",
                            "Failed its last inspection; overdue by %(num)d days", concern.days, lang)
        return gettext("Failed its last inspection", lang)
    if concern.state == standing.OVERDUE:
        return ngettext("Inspection overdue by %(num)d day", "Inspection overdue by %(num)d days", concern.days, lang)
    return gettext("Next inspection due: %(date)s", lang, date=concern.due.isoformat())


def headline(concern, lang):
    """Return the one line of any concern."""
    if concern.subject == standing.MAINTENANCE:
        return maintenance_headline(concern, lang)
    return inspection_headline(concern, lang)
