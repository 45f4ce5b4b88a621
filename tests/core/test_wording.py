from babel.messages.pofile import read_po

from core import credit, models, standing, wording
from core.checklists import INTERVALS
from core.i18n import LANGUAGES, LOCALES_DIR

ENUMS = {
    "interval": INTERVALS, "status": models.STATUSES, "reason": models.INVALID_REASONS,
    "item_result": models.ITEM_RESULTS, "inspection_result": models.INSPECTION_RESULTS,
    "supervision_result": models.SUPERVISION_RESULTS, "licence": models.LICENCE_KINDS,
    "deduction": tuple(credit.WEIGHTS), "state": standing.STATES,
}


def catalogue(lang):
    with open(LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id}


def test_it_has_wording_for_every_enum_value_in_every_language():
    catalogues = {lang: catalogue(lang) for lang in LANGUAGES}
    for kind, values in ENUMS.items():
        assert set(wording.WORDS[kind]) == set(values), kind
        for value in values:
            message = wording.WORDS[kind][value]
            for lang in LANGUAGES:
                assert catalogues[lang].get(message), (kind, value, lang)
            assert wording.word(kind, value, "zh_Hans") != message, (kind, value)


def test_it_words_a_value_in_the_language_asked():
    assert wording.word("interval", "quarterly", "zh_Hans") == "季度"
    assert wording.word("interval", "quarterly", "en") == "Quarterly"
    assert wording.word("inspection_result", "fail", "zh_Hans") == "不合格"
    assert wording.word("interval", "weekly", "en") == "weekly"  # an unknown value is shown as it is
