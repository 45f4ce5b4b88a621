import pytest

from core.codes import (InvalidCode, category_of, code_kind, division_of, group_digits, make_equipment_code,
                        make_registration_code, normalise_code)


def test_it_accepts_20_and_18_digit_codes_with_separators():
    assert normalise_code("3110 3505 0220 1501 0001") == "31103505022015010001"
    assert normalise_code("3110-12345-2018-00001") == "311012345201800001"



@pytest.mark.parametrize("text", ["３１１０３５０５０２２０１５０１０００１", "３１１０ ３５０５０２－２０１５０１．０００１",
                                  "3110\u30003505\uff0d0220\u20141501\uff0e0001", "3110_3505_0220_1501_0001"])
def test_it_accepts_full_width_digits_and_the_usual_separators(text):
    assert normalise_code(text) == "31103505022015010001"


@pytest.mark.parametrize("text", ["", "abc", "3110350502201501000", "311035050220150100011",
                                  "3110350502201501000x", "３１１０３５０５０２２０１５０１０００", "3110 3505 0220 1501 000１x", None, "1" * 100])
def test_it_refuses_what_is_not_a_code(text):
    with pytest.raises(InvalidCode):
        normalise_code(text)


def test_it_reads_the_parts_of_a_code():
    code = make_registration_code("3110", "350502", 2015, 1, 1)
    assert code == "31103505022015010001" and code_kind(code) == "registration"
    assert category_of(code) == "3110" and division_of(code) == "350502"
    equipment = make_equipment_code("3110", "12345", 2018, 1)
    assert code_kind(equipment) == "equipment" and division_of(equipment) is None
    assert group_digits(code) == "3110 350502 201501 0001"
    assert group_digits(equipment) == "3110 12345 2018 00001"
