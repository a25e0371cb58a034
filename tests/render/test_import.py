"""`guidebook import`: a Word 办事指南 in, a checked catalogue out, nothing dropped silently.

- Round trip: the seed's own guide.docx, in both house styles, imports back to the catalogue that made it:
  every field the .docx shows is equal (CANNOT_CARRY lists what a .docx does not show, and why).
- Foreign shapes (tests/helpers/word_guides.py: heading styles, bold numbers, a materials table, one
  要素表 per item, a 目录 of its own, full-width digits): each imports to its expected catalogue, and
  every non-empty paragraph and table cell of the source is placed, recognised as made by guidebook
  itself, or kept as unplaced text.
- The result passes `check`, builds, and opens in the editor; a non-empty folder is never written.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from helpers import MINIMAL, ROOT, SOURCE, STYLES, docx_body_text, http_request, normalize, pdf_pages_text, run_cli
from helpers.word_guides import SHAPES

pytestmark = pytest.mark.slow

# What a .docx cannot carry back (docs/import.md says why): notes for the editors (flags), the
# booklet's own spelling of a corrected address (printed, note), the names of links whose address is
# written into a channel's text (the text shows only the address), a flow written step by step (it is
# drawn as a chart), a material's need when it is the default 必需 (not printed), forms' files, the
# windows a channel links (the guide prints the booklet's text; the addresses are on its windows page)
# and the search words of synonyms.yaml (never printed).
CANNOT_CARRY = ("flags", "flow", "printed", "note of a link", "names of links written into the text",
                "need: 必需", "blank_form", "sample", "windows of a channel", "synonyms.yaml")


def _shown_channels(channels: list[dict]) -> list[dict]:
    out = []
    for ch in channels:
        mentioned = " ".join([ch.get("text", ""), *ch.get("entries", [])])
        links = [{k: v for k, v in link.items() if k not in ("printed", "note")}
                 for link in ch.get("links", []) if link["url"] not in mentioned]
        out.append({**{k: v for k, v in ch.items() if k not in ("links", "windows")}, **({"links": links} if links else {})})
    return out


def _shown_procedure(p: dict) -> dict:
    p = {k: v for k, v in p.items() if k not in ("flags", "flow")}
    if "channels" in p:
        p["channels"] = _shown_channels(p["channels"])
    m = p.get("materials")
    for g in (m or {}).get("groups", []) + ([{"items": m["items"]}] if m and m.get("items") else []):
        for x in g["items"]:
            if x.get("need") == "必需":
                del x["need"]
            x.pop("blank_form", None)
            x.pop("sample", None)
    if "procedures" in p:
        p["procedures"] = [_shown_procedure(s) for s in p["procedures"]]
    return p


def shown(source: Path) -> dict:
    """The catalogue as its Word file shows it (the export, without what a .docx cannot carry)."""
    from guidebook.catalogue import load_catalogue

    cat = load_catalogue(source)
    dump = lambda m: m.model_dump(mode="json", exclude_defaults=True) if m is not None else None  # noqa: E731
    guide = {k: v for k, v in dump(cat.guide).items() if k not in ("flags",)}
    windows = dump(cat.windows)
    windows["windows"] = [{k: v for k, v in w.items() if k != "flags"} for w in windows["windows"]]
    return {"guide": guide, "windows": windows, "prohibited": dump(cat.prohibited), "tolerated": dump(cat.tolerated),
            "items": {it.number: _shown_procedure(dump(it)) for it in cat.items}}


def _import(docx: Path, to: Path):
    res = run_cli("import", str(docx), "--to", str(to))
    assert res.returncode == 0, res.stderr.decode()[-3000:]
    return res


@pytest.mark.parametrize("styled_build", STYLES, indirect=True)
def test_the_seeds_guide_docx_imports_back_to_its_catalogue(styled_build, tmp_path, doc, catalogue):
    res = _import(styled_build / "guide.docx", tmp_path / "new")
    progress = [ln for ln in res.stderr.decode().splitlines() if " items read (" in ln]
    assert [ln.split(" items")[0] for ln in progress] == ["import: 25", "import: 50"], progress  # told how far
    want, got = shown(SOURCE), shown(tmp_path / "new" / "source")
    assert sorted(got["items"]) == sorted(want["items"]) and len(got["items"]) == 54
    for n, item in want["items"].items():
        assert got["items"][n] == item, n
    for part in ("guide", "windows", "prohibited", "tolerated"):
        assert got[part] == want[part], part
    report = (tmp_path / "new" / "导入报告.txt").read_text("utf-8")
    assert "共 54 个事项" in report and "0 段/格未归入" in report
    # the windows a channel names come back where the guide prints them: the 咨询电话 line of an item with no
    # number of its own gives each window's name and phone (8 items of 12 with windows; a guide that prints
    # the item's own numbers shows no window under it)
    from guidebook.catalogue import load_catalogue

    printed = [it.item_number for it in doc.items if not it.phones and it.windows]
    back = {it.number: it for it in load_catalogue(tmp_path / "new" / "source").items}
    seed = {it.number: it for it in catalogue.items}
    assert len(printed) == 8
    for n in printed:
        assert [ch.windows for ch in back[n].channels] == [ch.windows for ch in seed[n].channels], n
    # the booklet's own flows (8.1, 8.2 and 35) come back step by step, decisions with their exits (the short
    # labels of a handout's compact chart are not in the Word file); the flows guidebook draws are not kept
    def flows(items):
        return {(it.number, k): [s.model_dump(exclude={"short"}) for s in p.flow]
                for it in items.values() for k, p in enumerate([it, *it.procedures]) if p.flow}

    assert flows(back) == flows(seed) and len(flows(seed)) == 3
    # an address written with and without its last slash (item 7: http://rst.ln.gov.cn, http://rst.ln.gov.cn/)
    # is one link, one QR code
    urls = [link.url.rstrip("/") for ch in back[7].channels for link in ch.links]
    assert sorted(urls) == sorted(link.url.rstrip("/") for ch in seed[7].channels for link in ch.links)


def test_the_new_elements_come_back_too(tmp_path):
    """基本信息 (shared rows side by side), 设定依据, 受理条件, 常见问题, a material's need and issuer."""
    elements = ROOT / "tests" / "fixtures" / "elements"
    out = tmp_path / "out"
    assert run_cli("build", "--source", str(elements), "--output", str(out), "--no-handouts").returncode == 0
    _import(out / "guide.docx", tmp_path / "new")
    want, got = shown(elements)["items"][43], shown(tmp_path / "new" / "source")["items"][43]
    for key in ("service", "basis", "conditions", "faq", "intro", "channels", "time_limit"):
        assert got[key] == want[key], key
    assert got["materials"] == want["materials"]
    # the form's file is not in the .docx: kept as unplaced text that says what to do
    assert any("劳务派遣经营许可申请书.txt" in u and "source/forms/" in u for u in got["unplaced"])


def _accounts(imported) -> set[str]:
    return {p.where for p in imported.placed} | {p.where for p in imported.unplaced} | \
        {p.where for p in imported.derived}


EXPECTED = {
    "heading_styles": {15: {"title": "失业保险金申领", "category": "失业保险",
                            "materials": {"items": [{"name": "申领人身份证"}, {"name": "社会保障卡"}]},
                            "channels": [{"kind": "窗口办", "text": "各县区社保分中心"},
                                         {"kind": "网上办", "links": [{"name": "辽宁省人力资源和社会保障公共服务平台",
                                                                      "url": "https://ggfw.lnrc.com.cn/ehrss/login/"}]}],
                            "time_limit": "全月经办。", "tips": ["如有问题可拨打 12333 咨询办理。"]},
                       36: {"materials": {"label": "需提供要件", "items": [{"name": "申请人本人有效身份证件", "form": "原件"}]},
                            "channels": [{"kind": "窗口办", "text": "抚顺市合作银行网点"},
                                         {"kind": "自助办", "text": "合作银行网点"}]}},
    "bold_numbers": {43: {"title": "劳务派遣经营许可", "category": "劳务派遣经营许可",
                          "materials": {"items": [{"name": "劳务派遣经营许可申请书"},
                                                  {"name": "单位办公设施设备、信息管理系统等清单"},
                                                  {"name": "拟与用工单位签订的劳务派遣协议样本。"}]},
                          "channels": [{"kind": "窗口办", "text": "抚顺市公共行政服务中心一楼 10 号人社窗口"}],
                          "time_limit": "8 个工作日", "service": {"consult_phones": ["53997839"]}}},
    "materials_table": {34: {"materials": {"items": [
        {"name": "《机关事业单位养老保险手册》", "source": "申请人自备"},
        {"name": "进入机关事业单位的起薪批件复印件", "source": "申请人自备"},
        {"name": "入职表复印件", "source": "申请人自备"}, {"name": "身份证", "source": "申请人自备"},
        {"name": "转入地经办机构出具的《基本养老保险关系转移接续联系函》", "source": "申请人自备"}],
        "notes": ["注：全额拨款单位不需提供要件①和③"]},
        "channels": [{"kind": "窗口办", "text": "单位所属地社保分中心机关事业单位窗口"}]}},
    "element_tables": {1: {"title": "社会保障卡申领", "conditions": ["抚顺市参保人员中未申请社会保障卡的人员。"],
                           "materials": {"items": [{"name": "申请人本人有效身份证件", "form": "原件"}]},
                           "channels": [{"kind": "窗口办", "text": "抚顺市合作银行网点"}],
                           "service": {"promised_time_limit": "即时办结", "consult_phones": ["12333"]}}},
    "own_contents": {15: {"title": "失业保险金申领",
                          "materials": {"items": [{"name": "申领人身份证"}, {"name": "社会保障卡"}]},
                          "time_limit": "全月经办。", "channels": [{"kind": "窗口办", "text": "各县区社保分中心"}]}},
    "single_item": {1: {"title": "劳务派遣经营许可", "basis": [{"name": "《中华人民共和国劳动合同法》", "article": "第五十七条"}],
                        "conditions": ["注册资本不得少于人民币二百万元；", "有与开展业务相适应的固定的经营场所和设施。"],
                        "materials": {"items": [
                            {"name": "劳务派遣经营许可申请书", "form": "原件"},
                            {"name": "拟与用工单位签订的劳务派遣协议样本", "form": "复印件", "need": "非必需"}]},
                        "channels": [{"kind": "窗口办", "text": "抚顺市公共行政服务中心一楼 10 号人社窗口"}],
                        "service": {"type": "行政许可", "legal_time_limit": "20 个工作日",
                                    "promised_time_limit": "8 个工作日",
                                    "hours": "工作日上午 8:30-11:30，下午 13:00-17:00", "consult_phones": ["024-12333"]}}},
}
UNPLACED = {"element_tables": ["备注栏", "（原文另有一栏）"], "own_contents": ["这一段原文不属于任何事项。"]}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_a_foreign_shape_imports_to_its_expected_catalogue_and_accounts_for_every_paragraph(shape, tmp_path):
    from guidebook.catalogue.importing import import_docx

    docx = SHAPES[shape](tmp_path / f"{shape}.docx")
    imported = import_docx(docx)
    assert _accounts(imported) == imported.source_places  # placed + unplaced + made by guidebook = all
    assert sorted(u.text for u in imported.unplaced) == sorted(UNPLACED.get(shape, []))
    _import(docx, tmp_path / "new")
    got = shown(tmp_path / "new" / "source")
    if shape != "single_item":  # one item's guide has no cover: the report asks for the bureau and the edition
        assert got["guide"]["bureau"] == "抚顺市人力资源和社会保障局" and got["guide"]["edition"] == 2026
    for n, fields in EXPECTED[shape].items():
        for key, value in fields.items():
            assert got["items"][n][key] == value, (shape, n, key)
    if shape == "single_item":  # a flow written with dashes comes in as its steps (shown() leaves flows out)
        from guidebook.catalogue import load_catalogue

        flow = load_catalogue(tmp_path / "new" / "source").item(1).flow
        assert [s.step for s in flow] == ["申请", "受理", "审核", "办结"]
    res = run_cli("check", "--source", str(tmp_path / "new" / "source"))
    assert res.returncode == 0, res.stderr.decode()
    for text in UNPLACED.get(shape, []):  # check lists what is still unplaced, with its file and line
        assert text in res.stderr.decode()


def test_guides_of_one_item_pasted_together_are_items_of_one_category(tmp_path):
    """Two single-item guides in one file (a bureau pasting its portal's guides together): two items in
    one category, titled by their 事项名称, and the catalogue checks."""
    import copy

    import docx

    one = docx.Document(SHAPES["single_item"](tmp_path / "one.docx"))
    body = one.element.body
    parts = [copy.deepcopy(e) for e in body if e.tag.endswith(("}p", "}tbl"))]
    for e in parts:
        body.insert(len(body) - 1, e)
    one.save(tmp_path / "two.docx")
    _import(tmp_path / "two.docx", tmp_path / "new")
    got = shown(tmp_path / "new" / "source")
    assert sorted(got["items"]) == [1, 2] and got["guide"]["categories"] == [{"name": "办事指南"}]
    assert got["items"][1]["title"] == got["items"][2]["title"] == "劳务派遣经营许可"
    assert run_cli("check", "--source", str(tmp_path / "new" / "source")).returncode == 0


def _tree_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        h.update(str(p.relative_to(folder)).encode() + (p.read_bytes() if p.is_file() else b"/"))
    return h.hexdigest()


def test_importing_into_a_folder_that_holds_anything_changes_nothing(tmp_path):
    docx = SHAPES["heading_styles"](tmp_path / "guide.docx")
    target = tmp_path / "mine"
    shutil.copytree(MINIMAL, target / "source")
    (target / "notes.txt").write_text("staff notes", "utf-8")
    before = _tree_digest(target)
    res = run_cli("import", str(docx), "--to", str(target))
    assert res.returncode == 1 and "not empty" in res.stderr.decode()
    assert _tree_digest(target) == before


def test_merge_prints_the_differences_and_writes_nothing(tmp_path):
    docx = SHAPES["heading_styles"](tmp_path / "guide.docx")
    source = tmp_path / "source"
    shutil.copytree(MINIMAL, source)
    before = _tree_digest(source)
    res = run_cli("import", str(docx), "--merge", str(source))
    assert res.returncode == 0, res.stderr.decode()
    text = res.stdout.decode()
    assert "社会保障卡申领" in text  # item 36 is new against the minimal catalogue
    assert _tree_digest(source) == before
    assert not (tmp_path / "new").exists()


def test_not_a_word_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "guide.docx"
    bad.write_text("not a zip", "utf-8")
    res = run_cli("import", str(bad), "--to", str(tmp_path / "new"))
    assert res.returncode == 1
    err = res.stderr.decode()
    assert "not a Word document" in err and "Traceback" not in err
    assert not (tmp_path / "new").exists()


def test_an_imported_catalogue_builds_and_opens_in_the_editor(built, tmp_path):
    from helpers import EDITOR_TOKEN, running_editor

    _import(built[0] / "guide.docx", tmp_path / "new")
    source = tmp_path / "new" / "source"
    out = tmp_path / "out"
    # the guide, its Word file and the site; then the handouts of two items (the 54 are the seed's, tested
    # elsewhere)
    res = run_cli("build", "--source", str(source), "--output", str(out), "--no-handouts")
    assert res.returncode == 0, res.stderr.decode()[-2000:]
    assert (out / "guide.pdf").exists() and (out / "guide.docx").exists()
    res = run_cli("build", "--source", str(source), "--output", str(out), "--item", "15", "--item", "8")
    assert res.returncode == 0, res.stderr.decode()[-2000:]
    assert sorted(p.name[:3] for p in (out / "handouts").glob("*.pdf")) == ["08-", "15-"]
    assert (out / "site" / "items" / "15.html").exists()
    # the booklet's own flows came back (their steps, decisions with both exits, in the Word guide), and item
    # 8's handout, whose two charts came back without the short labels a handout draws, leaves them to the
    # guide and says so
    assert normalize("3. 单位审核特殊工种种类、岗位、从事年限等关键要素？初步确认通过：继续；不符合条件：终止退休申报程序") \
        in normalize(docx_body_text(out / "guide.docx"))
    (eight,) = pdf_pages_text(next((out / "handouts").glob("08-*.pdf")))
    assert normalize("本页未印：温馨提示、操作流程") in normalize(eight)
    with running_editor(source) as base:
        status, body = http_request(f"{base}/doc/item-15?t={EDITOR_TOKEN}")
        assert status == 200 and "失业保险金申领" in body.decode("utf-8")
        status, body = http_request(f"{base}/api/load/item-15", headers={"X-Guidebook-Token": EDITOR_TOKEN})
        assert status == 200 and "失业保险金申领" in json.dumps(json.loads(body), ensure_ascii=False)


def test_the_editor_shows_unplaced_text_only_where_there_is_some(tmp_path):
    import yaml

    from guidebook.catalogue import schema
    from guidebook.serve.editor.forms import FormBuilder

    _import(SHAPES["element_tables"](tmp_path / "guide.docx"), tmp_path / "new")
    item = yaml.safe_load((tmp_path / "new" / "source" / "items" / "01.yaml").read_text("utf-8"))
    form = FormBuilder(schema.Item).form(item)
    assert "未归入的原文" in form and "（原文另有一栏）" in form
    plain = yaml.safe_load((SOURCE / "items" / "15.yaml").read_text("utf-8"))
    assert "未归入的原文" not in FormBuilder(schema.Item).form(plain)


def test_the_projects_own_json_export_comes_back_byte_for_byte(tmp_path):
    export = tmp_path / "catalogue.json"
    res = run_cli("export", "--format", "json")
    assert res.returncode == 0
    export.write_bytes(res.stdout)
    _import(export, tmp_path / "new")
    again = run_cli("export", "--source", str(tmp_path / "new" / "source"), "--format", "json")
    assert again.returncode == 0 and again.stdout == res.stdout


# A platform's export with the element names of GB/T 39046-2020; its facts are seed item 43's and those
# of the laws it rests on (tests/fixtures/elements/guide.yaml names the sources).
PLATFORM = {
    "指南名称": "办事不找关系指南", "发布单位": "抚顺市人力资源和社会保障局", "版次": 2026,
    "事项": [{
        "序号": 43, "事项名称": "劳务派遣经营许可", "所属类别": "劳务派遣经营许可", "事项类型": "行政许可",
        "实施主体": "抚顺市人力资源和社会保障局", "办件类型": "承诺件", "法定办结时限": "20 个工作日",
        "承诺办结时限": "8 个工作日", "受理条件": ["注册资本不得少于人民币二百万元", "有与开展业务相适应的固定的经营场所和设施"],
        "设定依据": [{"依据名称": "《中华人民共和国劳动合同法》", "层级": "法律", "条款": "第五十七条"}],
        "申请材料": [{"材料名称": "劳务派遣经营许可申请书", "必要性": "必需"},
                 {"材料名称": "注册资本不少于 200 万元，并附有验资机构出具的验资报告", "出具单位": "验资机构"}],
        "办理渠道": [{"kind": "窗口办", "text": "抚顺市公共行政服务中心一楼 10 号人社窗口"}],
        "办理时限": "8 个工作日", "咨询电话": "53997839",
        "常见问题": [{"问题": "许可机关多长时间作出是否准予行政许可的决定？",
                  "解答": "许可机关应当自受理之日起 20 个工作日内作出是否准予行政许可的决定。"}],
        "事项状态": "在用",
    }],
    "窗口": [{"名称": "市人力资源社会保障局 (营商局大厅窗口)", "地址": "顺城区临江东路 21 号 市公共行政服务中心 1 楼",
            "电话": "024-53997839"}],
}


def test_a_platform_export_with_gbt_39046_names_imports(tmp_path):
    path = tmp_path / "platform.json"
    path.write_text(json.dumps(PLATFORM, ensure_ascii=False), "utf-8")
    _import(path, tmp_path / "new")
    got = shown(tmp_path / "new" / "source")
    item = got["items"][43]
    assert item["service"] == {"type": "行政许可", "subject": "抚顺市人力资源和社会保障局", "handling_type": "承诺件",
                               "legal_time_limit": "20 个工作日", "promised_time_limit": "8 个工作日",
                               "consult_phones": ["53997839"]}
    assert item["basis"] == [{"name": "《中华人民共和国劳动合同法》", "rank": "法律", "article": "第五十七条"}]
    assert item["materials"]["items"][1] == {"name": "注册资本不少于 200 万元，并附有验资机构出具的验资报告",
                                             "issuer": "验资机构"}
    assert item["faq"][0]["q"].startswith("许可机关多长时间")
    assert got["windows"]["windows"][0]["phone"] == "024-53997839"
    # an element guidebook has no field for is kept, with its name, as unplaced text that check lists
    assert any("事项状态" in u and "在用" in u for u in item["unplaced"])
    res = run_cli("check", "--source", str(tmp_path / "new" / "source"))
    assert res.returncode == 0 and "事项状态" in res.stderr.decode()
