import json
from collections import Counter

import pytest

from core.checklists import (
    CATEGORIES,
    ELEVATOR_TYPES,
    INTERVALS,
    elevator_type_for_category,
    load_checklist,
)


def write_checklist(path, items, elevator_type="traction"):
    document = {"elevator_type": elevator_type, "source": "test", "note": "", "items": items}
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def sample_item(**overrides):
    item = {
        "code": "A1-1",
        "interval": "half_monthly",
        "zh": "底坑环境",
        "en": "Pit environment",
        "requirement_zh": "清洁",
        "requirement_en": "Clean",
    }
    return {**item, **overrides}


def test_it_orders_intervals_shortest_first():
    assert INTERVALS == ("half_monthly", "quarterly", "half_yearly", "yearly")


def test_it_has_annex_a_counts_per_interval_for_traction():
    counts = Counter(item.interval for item in load_checklist("traction").items)
    assert counts == {"half_monthly": 31, "quarterly": 13, "half_yearly": 15, "yearly": 17}


def test_it_includes_shorter_intervals_in_longer_visits():
    checklist = load_checklist("traction")
    assert [len(checklist.items_for(interval)) for interval in INTERVALS] == [31, 44, 59, 76]


def test_it_keeps_file_order_in_a_visit():
    codes = [item.code for item in load_checklist("traction").items_for("quarterly")]
    assert codes[0] == "A1-1" and codes[-1] == "A2-13"


def test_it_rejects_an_unknown_interval_for_a_visit():
    with pytest.raises(ValueError, match="monthly"):
        load_checklist("traction").items_for("monthly")


def test_it_keeps_the_landing_door_lock_engagement_item_half_monthly():
    item = next(item for item in load_checklist("traction").items if item.zh == "层门锁紧元件啮合长度")
    assert item.interval == "half_monthly" and "7mm" in item.requirement_zh


@pytest.mark.parametrize("elevator_type", ELEVATOR_TYPES)
def test_it_loads_every_shipped_checklist(elevator_type):
    checklist = load_checklist(elevator_type)
    assert checklist.elevator_type == elevator_type
    assert checklist.source.startswith("TSG T5002-2017 Annex ")
    assert {item.interval for item in checklist.items} == set(INTERVALS)


@pytest.mark.parametrize("elevator_type", ELEVATOR_TYPES)
def test_it_gives_unique_codes_in_every_checklist(elevator_type):
    codes = [item.code for item in load_checklist(elevator_type).items]
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize("elevator_type", ELEVATOR_TYPES)
def test_it_has_both_languages_for_every_item(elevator_type):
    for item in load_checklist(elevator_type).items:
        texts = (item.zh, item.en, item.requirement_zh, item.requirement_en)
        assert all(text.strip() for text in texts), item.code


def test_it_caches_the_shipped_checklist():
    assert load_checklist("escalator") is load_checklist("escalator")


def test_it_rejects_an_unknown_elevator_type():
    with pytest.raises(ValueError, match="funicular"):
        load_checklist("funicular")


@pytest.mark.parametrize(
    "code, expected",
    [
        ("3110", "traction"),
        ("3120", "traction"),
        ("3130", "traction"),
        ("3100", "traction"),
        ("3410", "traction"),
        ("3420", "traction"),
        ("3210", "hydraulic"),
        ("3220", "hydraulic"),
        ("3200", "hydraulic"),
        ("3310", "escalator"),
        ("3320", "escalator"),
        ("3300", "escalator"),
        ("3430", "dumbwaiter"),
    ],
)
def test_it_maps_category_codes_to_checklist_types(code, expected):
    assert elevator_type_for_category(code) == expected


@pytest.mark.parametrize("code", ["3400", "3440", "2110", "31", "31100", "31a0", ""])
def test_it_rejects_unknown_category_codes(code):
    with pytest.raises(ValueError):
        elevator_type_for_category(code)


def test_it_maps_every_named_category_to_a_shipped_checklist():
    for code in CATEGORIES:
        assert load_checklist(elevator_type_for_category(code)).items


def test_it_names_every_category_in_both_languages():
    assert all(zh and en for zh, en in CATEGORIES.values())
    assert CATEGORIES["3430"] == ("杂物电梯", "Dumbwaiter")


def test_it_loads_a_checklist_from_an_explicit_path(tmp_path):
    path = write_checklist(tmp_path / "traction.json", [sample_item()])
    assert [item.code for item in load_checklist("traction", path).items] == ["A1-1"]


@pytest.mark.parametrize(
    "items, complaint",
    [
        ([sample_item(interval="monthly")], "A1-1 has unknown interval 'monthly'"),
        ([sample_item(), sample_item(zh="轿顶")], "A1-1 appears more than once"),
        ([sample_item(en="")], "A1-1 has no en"),
        ([sample_item(requirement_zh="  ")], "A1-1 has no requirement_zh"),
        ([sample_item(code="")], "#1 has no code"),
    ],
)
def test_it_rejects_a_malformed_file_naming_it(tmp_path, items, complaint):
    path = write_checklist(tmp_path / "broken.json", items)
    with pytest.raises(ValueError) as caught:
        load_checklist("traction", path)
    assert str(path) in str(caught.value)
    assert complaint in str(caught.value)


def test_it_rejects_a_file_that_is_not_json(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="broken.json"):
        load_checklist("traction", path)


def test_it_rejects_a_file_for_another_elevator_type(tmp_path):
    path = write_checklist(tmp_path / "hydraulic.json", [sample_item()], elevator_type="hydraulic")
    with pytest.raises(ValueError, match="hydraulic.json"):
        load_checklist("traction", path)
