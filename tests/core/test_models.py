import datetime

import pytest

from core.models import InvalidDocument, check_elevator, check_inspection, check_maintenance_record, check_supervision
from tests.factories import ON_TIME, at, elevator, visit

DAY = datetime.date(2026, 11, 25)


def test_it_accepts_well_formed_documents():
    check_elevator(elevator(ON_TIME, DAY))
    check_maintenance_record(visit(ON_TIME, DAY))
    check_maintenance_record(visit(ON_TIME, DAY, valid=False, reasons=["face_mismatch"]))
    check_inspection({"elevator_id": ON_TIME, "result": "pass", "date": at(DAY),
                      "next_due": at(DAY + datetime.timedelta(days=365))})
    check_supervision({"elevator_id": ON_TIME, "result": "rectify", "date": at(DAY),
                       "findings": [{"zh": "问题", "en": "problem"}]})


@pytest.mark.parametrize("change", [
    {"codes": ["123"]}, {"_id": "31103505022015019999"}, {"category": "9999"}, {"status": "broken"},
    {"firm_id": ""}, {"maintenance_start": datetime.datetime(2026, 1, 1)}, {"location": {"lat": 91, "lng": 0}},
])
def test_it_refuses_a_malformed_elevator(change):
    with pytest.raises(InvalidDocument):
        check_elevator({**elevator(ON_TIME, DAY), **change})


@pytest.mark.parametrize("change", [
    {"interval": "monthly"}, {"date": datetime.datetime(2026, 1, 1)}, {"valid": "yes"},
    {"valid": True, "invalid_reasons": ["no_photos"]}, {"valid": False, "invalid_reasons": []},
    {"valid": False, "invalid_reasons": ["bad_weather"]}, {"technician_ids": []},
    {"items": [{"code": "A1-1", "result": "maybe"}]},
])
def test_it_refuses_a_malformed_maintenance_record(change):
    with pytest.raises(InvalidDocument):
        check_maintenance_record({**visit(ON_TIME, DAY), **change})


def test_it_refuses_inspections_and_supervisions_that_make_no_sense():
    with pytest.raises(InvalidDocument):
        check_inspection({"elevator_id": ON_TIME, "result": "pass", "date": at(DAY), "next_due": at(DAY)})
    with pytest.raises(InvalidDocument):
        check_supervision({"elevator_id": ON_TIME, "result": "fine", "date": at(DAY), "findings": []})
    with pytest.raises(InvalidDocument):
        check_supervision({"elevator_id": ON_TIME, "result": "rectify", "date": at(DAY), "findings": [{"zh": "x"}]})
