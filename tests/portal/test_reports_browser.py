"""The fault form in a phone-sized Chromium with JavaScript off, as a passenger scanning the QR uses it."""

from tests.factories import ON_TIME
from tests.portal.test_browser import CHROMIUM, base_url, phone, pytestmark  # noqa: F401 (fixtures)


async def test_it_submits_a_fault_and_reads_the_tracking_page_on_a_phone(base_url, phone):
    await phone.goto(f"{base_url}/e/{ON_TIME}/fault")
    box = await phone.get_by_role("button", name="提交").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375  # fits a 375 px screen, no sideways scroll
    await phone.get_by_label("停在两层之间").check()
    await phone.get_by_label("请描述发生了什么").fill("电梯停在 5 楼和 6 楼之间，门打不开")
    await phone.get_by_label("手机号码（选填，便于回访）").fill("1380000")
    await phone.get_by_role("button", name="提交").click()
    assert await phone.get_by_text("请输入以 1 开头的 11 位手机号码").is_visible()
    assert await phone.get_by_label("请描述发生了什么").input_value() == "电梯停在 5 楼和 6 楼之间，门打不开"
    assert await phone.get_by_label("停在两层之间").is_checked()
    await phone.get_by_label("手机号码（选填，便于回访）").fill("13800001234")
    await phone.get_by_role("button", name="提交").click()
    assert await phone.get_by_text("谢谢，您的报告已提交").is_visible()
    assert "/r/" in phone.url
    await phone.goto(phone.url.split("?")[0])
    assert await phone.get_by_text("已受理").first.is_visible()
    assert "13800001234" not in await phone.content()


async def test_it_submits_a_complaint_and_a_rating_on_a_phone(base_url, phone):
    await phone.goto(f"{base_url}/e/{ON_TIME}/complaint")
    assert await phone.locator('a[href="tel:12315"]').count() == 1
    await phone.get_by_label("维保单位", exact=True).check()
    await phone.get_by_label("维修太慢").check()
    await phone.get_by_label("请描述发生了什么").fill("报修三天没人来")
    await phone.get_by_label("手机号码（必填，工作人员会回访）").fill("13800001234")
    await phone.get_by_role("button", name="提交").click()
    assert await phone.get_by_text("谢谢，您的报告已提交").is_visible()
    await phone.goto(f"{base_url}/e/{ON_TIME}/rating")
    await phone.get_by_label("★★★★", exact=True).check()
    await phone.get_by_role("button", name="提交").click()
    assert await phone.get_by_text("感谢您的评价").is_visible()
