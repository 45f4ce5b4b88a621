"""A provisional credit grade for maintenance firms, with the reasons shown to the public.

Regulators grade firms A/B/C/D from a points score; the real rule (DOMAIN.md) comes
later. This one keeps the shape: start from 100, lose points per finding, an expired
licence is an automatic D, and every deduction is written down.
"""

from dataclasses import dataclass

GRADE_FLOORS = (("A", 90), ("B", 75), ("C", 60))
# late_rescues: points per rescue call reached after the arrival target in the last 12 months (at most 30).
WEIGHTS = {"overdue_share": 60, "invalid_share": 40, "findings_per_elevator": 30, "late_rescues": 10}
LATE_RESCUES_CAP = 30


@dataclass(frozen=True)
class FirmFacts:
    """What the provisional grade is computed from."""

    elevators: int
    overdue_elevators: int
    valid_visits: int
    invalid_visits: int
    supervision_findings: int
    licence_expired: bool
    late_rescues: int = 0


def grade_for(score):
    """Return the letter for a points score."""
    for letter, floor in GRADE_FLOORS:
        if score >= floor:
            return letter
    return "D"


def deductions(facts, weights=WEIGHTS):
    """Return the (reason, points) deductions that facts earn."""
    out = []
    if facts.elevators:
        out.append(("overdue_share", weights["overdue_share"] * facts.overdue_elevators / facts.elevators))
        out.append(("findings_per_elevator",
                    min(weights["findings_per_elevator"],
                        weights["findings_per_elevator"] * facts.supervision_findings / facts.elevators)))
    out.append(("late_rescues", min(LATE_RESCUES_CAP, weights["late_rescues"] * facts.late_rescues)))
    visits = facts.valid_visits + facts.invalid_visits
    if visits:
        out.append(("invalid_share", weights["invalid_share"] * facts.invalid_visits / visits))
    return [(reason, round(points, 1)) for reason, points in out if points > 0]


def assess(facts, weights=WEIGHTS):
    """Return the credit document: grade, score and how they were reached."""
    taken = deductions(facts, weights)
    score = max(0.0, round(100 - sum(points for _, points in taken), 1))
    grade = "D" if facts.licence_expired else grade_for(score)
    return {"grade": grade, "score": score, "licence_expired": facts.licence_expired,
            "deductions": [{"reason": r, "points": p} for r, p in taken],
            "facts": facts.__dict__.copy()}
