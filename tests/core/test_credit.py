from core.credit import FirmFacts, assess, grade_for


def facts(**changes):
    base = dict(elevators=40, overdue_elevators=0, valid_visits=900, invalid_visits=0,
                supervision_findings=0, licence_expired=False)
    return FirmFacts(**{**base, **changes})


def test_it_grades_a_clean_firm_a():
    result = assess(facts())
    assert result["grade"] == "A" and result["score"] == 100 and result["deductions"] == []


def test_it_deducts_for_overdue_invalid_and_findings_and_says_why():
    result = assess(facts(overdue_elevators=4, invalid_visits=100, supervision_findings=8))
    reasons = {d["reason"]: d["points"] for d in result["deductions"]}
    assert reasons == {"overdue_share": 6.0, "invalid_share": 4.0, "findings_per_elevator": 6.0}
    assert result["score"] == 84 and result["grade"] == "B"


def test_it_makes_an_expired_licence_an_automatic_d():
    assert assess(facts(licence_expired=True))["grade"] == "D"


def test_it_maps_scores_to_letters():
    assert [grade_for(s) for s in (95, 90, 89.9, 75, 60, 59.9)] == ["A", "A", "B", "B", "C", "D"]
