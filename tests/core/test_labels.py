import re
import sys
import xml.etree.ElementTree as ET

import cv2
import numpy as np
import pypdfium2 as pdfium
import pytest

from core.codes import group_digits as group_code
from core.labels import Label, label_qr, write_label_sheets
from core.labels.layout import INSTRUCTION_ZH

PUBLIC_URL = "https://lift.example.cn/"
SVG = "{http://www.w3.org/2000/svg}"


def make_labels(count):
    """Return count lifts in Licheng with consecutive registration codes."""
    return [
        Label(f"3110350502201501{n:04d}", f"泉州市鲤城区温陵南路 {n} 号", f"{n} 号楼 Building {n}")
        for n in range(1, count + 1)
    ]


def expected_url(label):
    return f"https://lift.example.cn/e/{label.code}"


@pytest.fixture(scope="module")
def sheet(tmp_path_factory):
    """Write one sheet set of ten labels: two PDF pages, two SVG files."""
    labels = make_labels(10)
    paths = write_label_sheets(labels, PUBLIC_URL, tmp_path_factory.mktemp("labels"), "licheng")
    return labels, paths


def qr_detector():
    # OpenCV's classic detector misses some symbols on a full page and in
    # pixel-perfect images; the ArUco-based one finds them all.
    return cv2.QRCodeDetectorAruco()


def render_page(pdf_path, index, dpi=200):
    """Render one PDF page to a greyscale array at dpi."""
    page = pdfium.PdfDocument(str(pdf_path))[index]
    image = page.render(scale=dpi / 72, grayscale=True).to_numpy()
    return image if image.ndim == 2 else image[:, :, 0]


def decode_cells(image, cells):
    """Decode the QR code in each of the first cells of a 2 x 4 grid, in reading order."""
    height, width = image.shape
    detector = qr_detector()
    decoded = []
    for slot in range(cells):
        row, col = divmod(slot, 2)
        rows = slice(row * height // 4, (row + 1) * height // 4)
        cols = slice(col * width // 2, (col + 1) * width // 2)
        crop = image[rows, cols]
        text, _, _ = detector.detectAndDecode(np.ascontiguousarray(crop))
        decoded.append(text)
    return decoded


def page_text(pdf_path, index=0):
    return pdfium.PdfDocument(str(pdf_path))[index].get_textpage().get_text_range()


def svg_qr_paths(svg_path):
    return [el for el in ET.parse(svg_path).iter(f"{SVG}path") if el.get("class") == "qr"]


def svg_qr_image(element, pixels=8):
    """Rasterise an SVG QR path back into an image from its module runs."""
    modules = int(element.get("data-modules"))
    grid = np.full((modules, modules), 255, np.uint8)
    for col, row, length in re.findall(r"M(\d+) (\d+)h(\d+)", element.get("d")):
        grid[int(row), int(col) : int(col) + int(length)] = 0
    return modules, np.kron(grid, np.ones((pixels, pixels), np.uint8))


def test_it_writes_one_pdf_and_one_svg_per_page(sheet):
    _, paths = sheet
    assert [p.name for p in paths] == ["licheng.pdf", "licheng-p1.svg", "licheng-p2.svg"]
    assert all(p.stat().st_size > 1000 for p in paths)


def test_it_prints_a_scannable_qr_code_for_each_label_on_the_first_page(sheet):
    labels, paths = sheet
    decoded = decode_cells(render_page(paths[0], 0), 8)
    assert decoded == [expected_url(label) for label in labels[:8]]


def test_it_continues_on_a_second_page(sheet):
    labels, paths = sheet
    decoded = decode_cells(render_page(paths[0], 1), 2)
    assert decoded == [expected_url(label) for label in labels[8:]]


def test_it_finds_every_code_on_a_page_at_once(sheet):
    labels, paths = sheet
    ok, decoded, _, _ = qr_detector().detectAndDecodeMulti(render_page(paths[0], 0))
    assert ok
    assert sorted(decoded) == sorted(expected_url(label) for label in labels[:8])


def test_it_embeds_a_font_that_maps_chinese_text(sheet):
    _, paths = sheet
    text = page_text(paths[0])
    assert INSTRUCTION_ZH in text
    assert "96333" in text
    assert "3110 350502 201501 0001" in text
    assert "泉州市鲤城区温陵南路 1 号" in text
    # The subset of Noto Sans SC travels inside the file as a CID-keyed CFF font.
    assert b"/FontFile3" in paths[0].read_bytes()


def test_it_draws_full_size_qr_codes_into_the_svg(sheet):
    labels, paths = sheet
    elements = svg_qr_paths(paths[1])
    assert len(elements) == 8
    for label, element in zip(labels[:8], elements, strict=True):
        modules, image = svg_qr_image(element)
        # Micro QR symbols are 11 to 17 modules wide; regular ones 21 or more,
        # plus the 4-module quiet zone on each side.
        assert modules >= 21 + 8 and (modules - 8 - 21) % 4 == 0
        text, _, _ = qr_detector().detectAndDecode(image)
        assert text == expected_url(label)


def test_it_never_makes_micro_qr_even_for_short_data():
    qr = label_qr("1")
    assert qr.is_micro is False
    assert qr.error == "H"


def test_it_keeps_the_svg_free_of_external_references(sheet):
    _, paths = sheet
    for path in paths[1:]:
        root = ET.parse(path).getroot()
        assert root.tag == f"{SVG}svg"
        for element in root.iter():
            assert element.tag not in (f"{SVG}image", f"{SVG}use", f"{SVG}style", f"{SVG}a")
            for name, value in element.attrib.items():
                assert "href" not in name
                assert "://" not in value and "url(" not in value
        # The only address in the file is the SVG namespace itself.
        assert re.findall(r"\w+://[^\s\"'<]+", path.read_text()) == ["http://www.w3.org/2000/svg"]


def test_it_adds_a_page_for_the_ninth_label(tmp_path):
    paths = write_label_sheets(make_labels(9), PUBLIC_URL, tmp_path, "nine")
    assert len(pdfium.PdfDocument(str(paths[0]))) == 2
    assert [p.name for p in paths[1:]] == ["nine-p1.svg", "nine-p2.svg"]


def test_it_fits_eight_labels_on_one_page(tmp_path):
    paths = write_label_sheets(make_labels(8), PUBLIC_URL, tmp_path, "eight")
    assert len(pdfium.PdfDocument(str(paths[0]))) == 1
    assert [p.name for p in paths[1:]] == ["eight-p1.svg"]


def test_it_removes_svg_pages_left_from_a_longer_run(tmp_path):
    write_label_sheets(make_labels(17), PUBLIC_URL, tmp_path, "run")
    write_label_sheets(make_labels(3), PUBLIC_URL, tmp_path, "run")
    assert sorted(p.name for p in tmp_path.glob("run-p*.svg")) == ["run-p1.svg"]


def test_it_groups_codes_by_their_fields():
    assert group_code("31103505022015010001") == "3110 350502 201501 0001"
    assert group_code("311012345202400001") == "3110 12345 2024 00001"


def test_it_labels_eighteen_digit_equipment_codes(tmp_path):
    label = Label("311012345202400001", "泉州市鲤城区新华北路 8 号", "A 座")
    paths = write_label_sheets([label], "https://lift.example.cn", tmp_path, "one")
    decoded = decode_cells(render_page(paths[0], 0), 1)
    assert decoded == ["https://lift.example.cn/e/311012345202400001"]
    assert "3110 12345 2024 00001" in page_text(paths[0])


def test_it_shortens_an_address_too_long_for_the_label(tmp_path):
    label = Label("31103505022015010001", "泉州市鲤城区" * 20, "1 号楼")
    paths = write_label_sheets([label], PUBLIC_URL, tmp_path, "long")
    assert "…" in page_text(paths[0])
    assert decode_cells(render_page(paths[0], 0), 1) == [expected_url(label)]


def test_it_rejects_an_empty_label_list(tmp_path):
    with pytest.raises(ValueError, match="no labels"):
        write_label_sheets([], PUBLIC_URL, tmp_path, "empty")


FULLWIDTH_CODE = "３１１０３５０５０２２０１５０１０００１"


@pytest.mark.parametrize("code", ["3110350502201501000", "3110-350502-201501-1", FULLWIDTH_CODE])
def test_it_rejects_codes_that_are_not_18_or_20_ascii_digits(tmp_path, code):
    with pytest.raises(ValueError, match="18 or 20 digits"):
        write_label_sheets([Label(code, "地址", "楼")], PUBLIC_URL, tmp_path, "bad")


def test_it_rejects_a_sheet_name_that_is_a_path(tmp_path):
    with pytest.raises(ValueError, match="plain file name"):
        write_label_sheets(make_labels(1), PUBLIC_URL, tmp_path, "../escape")


def test_it_names_the_package_to_install_when_the_font_is_missing(tmp_path, monkeypatch):
    # A None entry in sys.modules makes the import fail as if it were not installed.
    monkeypatch.setitem(sys.modules, "pylopdf_fonts_zh_cn", None)
    with pytest.raises(ValueError, match="pip install pylopdf-fonts-zh-cn"):
        write_label_sheets(make_labels(1), PUBLIC_URL, tmp_path, "nofont")
    assert not (tmp_path / "nofont.pdf").exists()
