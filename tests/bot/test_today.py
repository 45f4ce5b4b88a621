"""/today lists the technician's elevators due soon or overdue."""


async def test_it_lists_the_overdue_elevators_with_a_map_link(linked, district):
    reply = await linked.say(linked.command("/today"))
    assert "Due within 3 days or overdue" in reply
    assert district["overdue"] in reply and "overdue by" in reply and "openstreetmap.org/?mlat=24.9" in reply
