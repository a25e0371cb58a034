"""Designers: an override folder replaces one variable and one template block, nothing else changes."""

import pytest

from helpers import SOURCE, decode_qr_codes, normalize, pdf_pages_text, run_cli


@pytest.fixture
def override(tmp_path):
    folder = tmp_path / "my-layout"
    folder.mkdir()
    (folder / "custom.css").write_text(":root { --color-primary: #8b0000; }\n", "utf-8")
    (folder / "handout.html").write_text(
        '{% extends "default/handout.html" %}\n'
        "{% block handout_header %}<header class=\"h-head\"><div>窗口专用告知单（测试版式）</div></header>{% endblock %}\n",
        "utf-8")
    return folder


def _colors(pdf_path, dpi=60):
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(pdf_path))
    image = pdf[0].render(scale=dpi / 72).to_pil().convert("RGB")
    pdf.close()
    return {c for _, c in image.getcolors(maxcolors=1 << 20)}


def test_an_override_changes_one_variable_and_one_block(override, tmp_path):
    default_out, custom_out = tmp_path / "default", tmp_path / "custom"
    assert run_cli("handout", "15", "--output", str(default_out)).returncode == 0
    res = run_cli("handout", "15", "--layouts", str(override), "--output", str(custom_out))
    assert res.returncode == 0, res.stderr.decode()
    default_pdf = next((default_out / "handouts").glob("15-*.pdf"))
    custom_pdf = next((custom_out / "handouts").glob("15-*.pdf"))
    default_text, custom_text = (normalize(pdf_pages_text(p)[0]) for p in (default_pdf, custom_pdf))
    # the replaced block
    assert "窗口专用告知单（测试版式）" in custom_text and "窗口专用告知单" not in default_text
    assert "2026年版" in default_text.split("失业保险金申领")[0]
    # the replaced variable: the part titles are drawn in the new primary colour
    assert (0x8B, 0, 0) in _colors(custom_pdf) and (0x8B, 0, 0) not in _colors(default_pdf)
    assert (0x1F, 0x3B, 0x63) in _colors(default_pdf) and (0x1F, 0x3B, 0x63) not in _colors(custom_pdf)
    # everything else is the default: same content after the header, same QR codes
    assert default_text.split("失业保险金申领", 1)[1] == custom_text.split("失业保险金申领", 1)[1]
    assert decode_qr_codes(custom_pdf) == decode_qr_codes(default_pdf) == {"https://ggfw.lnrc.com.cn/ehrss/login/"}


def test_layouts_list_shows_where_each_file_comes_from(override):
    res = run_cli("layouts", "list", "--layouts", str(override))
    lines = dict(line.split(None, 1) for line in res.stdout.decode().splitlines())
    assert lines["custom.css"].endswith(f"layouts/default/custom.css + {override / 'custom.css'}  (stacked)")
    assert lines["handout.html"].endswith("(override)")
    assert lines["guide.html"].endswith("layouts/default/guide.html")
    res = run_cli("layouts", "list", "--style", "gbt9704")
    lines = dict(line.split(None, 1) for line in res.stdout.decode().splitlines())
    assert lines["fonts.toml"].endswith("layouts/gbt9704/fonts.toml  (override)")


def test_layouts_copy_starts_an_override(tmp_path):
    dest = tmp_path / "mine"
    res = run_cli("layouts", "copy", "theme.css", "--to", str(dest))
    assert res.returncode == 0
    assert (dest / "theme.css").read_text("utf-8") == (SOURCE.parent / "layouts/default/theme.css").read_text("utf-8")
    again = run_cli("layouts", "copy", "theme.css", "--to", str(dest))
    assert again.returncode == 1 and "already exists" in again.stderr.decode()
    assert run_cli("layouts", "copy", "nope.css", "--to", str(dest)).returncode == 2


def test_template_errors_name_the_file_and_line(tmp_path):
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "handout.html").write_text('{% extends "default/handout.html" %}\n\n{% block handout_header %}{% if %}{% endblock %}\n', "utf-8")
    res = run_cli("handout", "15", "--layouts", str(folder), "--output", str(tmp_path / "out"))
    assert res.returncode == 1
    err = res.stderr.decode()
    assert f"{folder / 'handout.html'}:3: template syntax error: Expected an expression, got 'end of statement block'" in err
    (folder / "handout.html").write_text('{% extends "default/handout.html" %}\n{% block handout_header %}{{ it.no_such_field.x }}{% endblock %}\n', "utf-8")
    err = run_cli("handout", "15", "--layouts", str(folder), "--output", str(tmp_path / "out")).stderr.decode()
    assert f"{folder / 'handout.html'}:2:" in err and "no_such_field" in err


def test_house_style_fonts_fall_back_with_a_warning(tmp_path):
    res = run_cli("fonts", "list", "--style", "gbt9704")
    assert res.returncode == 0
    err = res.stderr.decode()
    assert "font role 'body': FangSong, FangSong_GB2312, 仿宋, 仿宋_GB2312, STFangsong not installed; using Noto Serif CJK SC" in err
    assert "title" in res.stdout.decode()
    assert run_cli("build", "--style", "nope").returncode == 2


def test_custom_css_stacks_across_layout_folders(tmp_path):
    """A designer's custom.css adds to the house style's custom.css (default first, designer last)."""
    from guidebook.render import (
        layout_chain,
        style_folder,
        stylesheet_files,
        theme_values,
    )

    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "custom.css").write_text(":root { --color-accent: #005a9c; }\n", "utf-8")
    chain = layout_chain([mine, style_folder("gbt9704")])
    files = stylesheet_files(chain, "custom.css")
    assert [p.parent.name for p in files] == ["default", "gbt9704", "mine"]
    assert theme_values(chain)["--color-accent"] == "#005a9c"
    res = run_cli("layouts", "list", "--style", "gbt9704", "--layouts", str(mine))
    assert "(stacked)" in res.stdout.decode()


def test_layouts_copy_block_writes_a_stub_that_extends_the_default(tmp_path):
    mine = tmp_path / "mine"
    res = run_cli("layouts", "copy", "handout.html", "--block", "handout_header", "--to", str(mine))
    assert res.returncode == 0, res.stderr.decode()
    stub = (mine / "handout.html").read_text("utf-8")
    assert stub.count("{% block ") == 1 and '{% extends "default/handout.html" %}' in stub
    (mine / "handout.html").write_text(stub.replace("{{ meta.edition_label }}", "窗口专用版"), "utf-8")
    out = tmp_path / "15.pdf"
    assert run_cli("handout", "15", "--layouts", str(mine), "--out", str(out)).returncode == 0
    text = normalize(pdf_pages_text(out)[0])
    assert "窗口专用版" in text and "失业保险金申领" in text and "需提供材料" in text
    bad = run_cli("layouts", "copy", "handout.html", "--block", "nope", "--to", str(mine), "--force")
    assert bad.returncode == 2


def test_a_css_error_names_the_stylesheet_file_and_line(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "custom.css").write_text("/* mine */\n.h-title { colr: red; }\n", "utf-8")
    res = run_cli("handout", "15", "--layouts", str(mine), "-o", str(tmp_path / "x.pdf"))
    assert res.returncode == 1
    assert f"{mine / 'custom.css'}:2:12: ignored `colr: red`: unknown property" in res.stderr.decode()
    assert not (tmp_path / "x.pdf").exists()
