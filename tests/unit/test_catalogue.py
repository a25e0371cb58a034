"""Validation stage: the seed catalogue loads completely, and mistakes are reported like a compiler."""

import json

import pytest

from helpers import run_cli, seed_blocks, seed_facts


def test_catalogue_holds_the_whole_booklet(catalogue):
    assert len(catalogue.items) == 54
    assert [it.number for it in catalogue.items] == list(range(1, 55))
    assert len(catalogue.guide.categories) == 12
    assert len(catalogue.windows.windows) == 26
    assert len(catalogue.prohibited.groups) == 13
    assert sum(len(g.cases) for g in catalogue.prohibited.groups) == 27
    assert len(catalogue.tolerated.entries) == 2
    assert catalogue.guide.slogans == ["讲诚信 懂规矩 守纪律", "清风辽宁政务窗口", "办事不找关系  用权不图好处"]
    assert not catalogue.report.errors and not catalogue.report.warnings


def test_irregular_items_are_modelled(catalogue):
    it = {i.number: i for i in catalogue.items}
    assert [p.title for p in it[8].procedures] == ["特殊工种提前退休申请", "非因工伤残或因病提前退休（职）申请"]
    assert it[13].materials.none == "无"
    assert it[16].route_note and it[17].route_note
    assert it[17].time_limit is None
    # names that differ between the guide and the power-items list are both kept
    assert (it[11].list_title, it[52].list_title, it[53].list_title) == (
        "抚顺市城乡居民养老保险关系转移接续申请", "高校毕业生档案的接收", "出具存档证明")
    assert it[53].title == "出具相关证明"
    assert [g.name for g in it[1].materials.groups] == ["企业职工", "灵活就业人员", "个体工商户"]
    assert [g.name for g in it[9].materials.groups] == ["在职人员", "退休人员"]
    assert it[5].channels[3].path == ["辽事通 App", "社保", "养老保险", "辽宁省企业养老保险缴费明细查询"]
    assert {c.kind for c in it[36].channels} == {"窗口办", "网上办", "掌上办", "自助办"}
    assert it[13].channels[0].kind == "银行办"


def test_every_phone_url_and_time_limit_of_the_seed_is_in_the_catalogue(seed_text, catalogue):
    import re

    from guidebook.catalogue.exporting import catalogue_json

    export = re.sub(r"\s+", "", catalogue_json(catalogue))
    facts = seed_facts(seed_text)
    assert len(facts["phones"]) >= 30 and len(facts["urls"]) >= 15 and len(facts["time_limits"]) >= 15
    for kind, values in facts.items():
        for value in values:
            assert re.sub(r"\s+", "", value) in export, (kind, value)


def _check(tmp_path, *extra):
    res = run_cli("check", "--source", "source", "--no-notes", *extra, cwd=tmp_path)
    return res.returncode, res.stderr.decode().splitlines()


def _edit(path, old, new):
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), "utf-8")


def test_check_passes_on_the_seed(tmp_path, source_copy):
    code, lines = _check(tmp_path)
    assert code == 0
    assert lines[-2:] == ["source: 54 items in 12 categories, 26 windows, 13 prohibited groups, "
                          "2 tolerated entries; 0 warnings, 18 notes", "optional elements: 基本信息 in 1 item"]


def test_yaml_syntax_error(tmp_path, source_copy):
    _edit(source_copy / "items/15.yaml", "title: 失业保险金申领", "title: [失业保险金申领")
    code, lines = _check(tmp_path)
    assert code == 1
    assert lines[0] == "source/items/15.yaml:5:6: YAML syntax error: did not find expected ',' or ']'"
    assert lines[-1] == "error: 1 error in the catalogue"
    assert "Traceback" not in "\n".join(lines)


def test_all_errors_are_reported_in_one_run(tmp_path, source_copy):
    items = source_copy / "items"
    _edit(items / "15.yaml", "title: 失业保险金申领\n", "")  # missing title
    _edit(items / "14.yaml", "number: 14", "number: fourteen")  # wrong type
    _edit(items / "21.yaml", "tips:", "tipz:")  # unknown key
    _edit(items / "20.yaml", "number: 20", "number: 19")  # duplicate number
    _edit(source_copy / "prohibited.yaml", "items: [54]", "items: [99]")  # dangling reference
    _edit(items / "42.yaml", "url: http://218.60.150.1:8081/ehrss/login/", "url: htp:/x")  # bad URL
    _edit(source_copy / "windows.yaml", "phone: 024-53997880", "phone: 024-5399")  # bad phone
    _edit(items / "44.yaml", "category: 职业介绍和职业培训", "category: 职业介绍")  # unknown category
    code, lines = _check(tmp_path)
    assert code == 1
    assert lines == [
        "source/items/14.yaml:2:9: number: expected a whole number, got text",
        "source/items/15.yaml:2:1: title: required field is missing",
        'source/items/20.yaml:2:9: number: duplicate item number 19 (also used in source/items/19.yaml:2)',
        'source/items/21.yaml:18:1: tipz: unknown field (did you mean "tips"?)',
        'source/items/42.yaml:16:14: channels[0].links[0].url: not a URL: "htp:/x" '
        "(expected http:// or https:// and a host name)",
        'source/items/44.yaml:3:11: category: unknown category "职业介绍" (did you mean "职业介绍和职业培训"?); '
        "categories are listed in source/guide.yaml",
        "source/prohibited.yaml:69:13: groups[12].items[0]: refers to item 99, which does not exist",
        'source/windows.yaml:8:12: windows[0].phone: not a phone number: "024-5399" '
        "(expected e.g. 024-53997880, 18841345104 or 12333)",
        "error: 8 errors in the catalogue",
    ]


def test_missing_and_empty_files(tmp_path, source_copy):
    (source_copy / "windows.yaml").unlink()
    (source_copy / "tolerated.yaml").unlink()  # optional: a guide without the list
    (source_copy / "items/30.yaml").write_text("# nothing here\n", "utf-8")
    code, lines = _check(tmp_path)
    assert code == 1
    assert "source/items/30.yaml:1:1: file is empty" in lines
    assert "source/windows.yaml: file is missing" in lines
    assert not any("tolerated" in line for line in lines)


def test_symlink_outside_the_source_is_refused(tmp_path, source_copy):
    outside = tmp_path / "outside.yaml"
    outside.write_text((source_copy / "items/30.yaml").read_text("utf-8"), "utf-8")
    (source_copy / "items/30.yaml").unlink()
    (source_copy / "items/30.yaml").symlink_to(outside)
    code, lines = _check(tmp_path)
    assert code == 1
    assert ("source/items/30.yaml: symbolic link points outside the source folder; refusing to read it"
            in lines)


def test_typo_host_is_a_warning_and_fails_with_strict(tmp_path, source_copy):
    _edit(source_copy / "items/41.yaml", "        url: http://si.12333.gov.cn\n        printed: http://si12333.gov.cn\n",
          "        url: http://si12333.gov.cn\n")
    _edit(source_copy / "items/41.yaml", "        note: 原手册印作", "        # note: 原手册印作")
    code, lines = _check(tmp_path)
    assert code == 0
    assert ('source/items/41.yaml:27:14: warning: channels[1].links[0].url: host "si12333.gov.cn" looks like '
            'a typo of "si.12333.gov.cn" (used elsewhere)') in lines
    code, lines = _check(tmp_path, "--strict")
    assert code == 1
    assert lines[-1] == "error: warnings are errors with --strict"


def test_overlong_text_is_refused(tmp_path, source_copy):
    _edit(source_copy / "items/22.yaml", "tips: 社保卡银行功能需要激活。", "tips: " + "很长" * 3000)
    code, lines = _check(tmp_path)
    assert code == 1
    assert lines[0] == "source/items/22.yaml:26:7: tips[0]: text is too long (6,000 characters; the limit is 4,000)"


def test_export_is_the_json_contract(tmp_path):
    res = run_cli("export", "--format", "json")
    assert res.returncode == 0
    data = json.loads(res.stdout)
    assert data["format_version"] == 1
    assert len(data["items"]) == 54 and len(data["windows"]["windows"]) == 26
    assert data["items"][14]["title"] == "失业保险金申领"
    out = tmp_path / "cat.json"
    assert run_cli("export", "-o", str(out)).returncode == 0
    assert json.loads(out.read_text("utf-8")) == data


def test_committed_json_schemas_are_current(tmp_path):
    from guidebook.catalogue.exporting import json_schemas
    from helpers import SOURCE

    for name, text in json_schemas().items():
        committed = SOURCE / "schema" / f"{name}.schema.json"
        assert committed.read_text("utf-8") == text, f"run `guidebook schema` to refresh {committed}"


def test_yaml_files_point_editors_at_the_schema():
    from helpers import SOURCE

    for p in sorted((SOURCE / "items").glob("*.yaml")):
        assert p.read_text("utf-8").startswith("# yaml-language-server: $schema=../schema/item.schema.json"), p
    for name in ("guide", "windows", "prohibited", "tolerated"):
        first = (SOURCE / f"{name}.yaml").read_text("utf-8").splitlines()[0]
        assert first == f"# yaml-language-server: $schema=schema/{name}.schema.json"


def test_a_windows_note_that_moved_to_another_window_is_reported(tmp_path, source_copy):
    """Deleting a window's lines but not its note would hand the note to the window above: check says so."""
    path = source_copy / "windows.yaml"
    lines = path.read_text("utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if "望花区就业和人才服务中心" in line)
    del lines[at:at + 3]  # name, address, phone; its flags stay behind
    path.write_text("".join(lines), "utf-8")
    code, out = _check(tmp_path)
    assert code == 0
    assert any("warning" in line and 'the note quotes the phone "18841345104"' in line for line in out)


def test_a_phone_in_full_width_digits_is_reported_never_accepted(tmp_path, source_copy):
    from guidebook.catalogue import phones

    _edit(source_copy / "items/07.yaml", "024-52443219", "０２４-５２４４３２１９")
    code, out = _check(tmp_path)
    assert code == 0 and any('"０２４-５２４４３２１９" looks like a phone number' in line for line in out)
    assert phones.in_text("请拨打０２４-５２４４３２１９") == []  # never shown as a phone, never dialled wrong


def test_handout_and_list_resolve_a_query_the_same_way(catalogue):
    """`handout 失业金` names the item that `list 失业金` puts first (one resolver, catalogue/search.py)."""
    from guidebook.catalogue.search import resolve, search

    for query in ("失业金", "失业保险金申领", "15", "１５"):
        assert [it.number for it in resolve(catalogue, query)] == [15], query
        assert search(catalogue, query)[0].item.number == 15, query
    assert len(resolve(catalogue, "失业")) > 1  # ambiguous: the clerk is shown the candidates
    assert resolve(catalogue, "99") == [] and resolve(catalogue, "不存在的事项") == []


def test_an_item_without_a_way_to_apply_materials_or_time_limit_is_a_warning(tmp_path, source_copy):
    path = source_copy / "items/36.yaml"
    text = path.read_text("utf-8")
    keep = text[:text.index("materials:")] + text[text.index("tips:"):]  # no materials, no channels, no limits
    path.write_text(keep, "utf-8")
    code, lines = _check(tmp_path)
    assert code == 0
    found = [ln for ln in lines if ln.startswith("source/items/36.yaml:") and "warning" in ln]
    assert len(found) == 3, found
    assert any("办理路径未填写" in ln for ln in found) and any("需提供材料未填写" in ln for ln in found) \
        and any("办理时限未填写" in ln for ln in found)
    assert "; 3 warnings," in lines[-2]
    # an item that needs no application (route_note) needs no channel and no time limit
    path.write_text(keep.replace("tips:", "route_note: 符合条件自动发放，无需办理。\ntips:", 1), "utf-8")
    code, lines = _check(tmp_path)
    assert [ln for ln in lines if ln.startswith("source/items/36.yaml:")] == [
        next(ln for ln in lines if "需提供材料未填写" in ln)]


def test_a_channel_names_windows_of_windows_yaml(tmp_path, source_copy):
    """A link to a window that does not exist is an error naming the line (and the near name); a
    channel whose text names a family of windows without linking them gets a note listing them."""
    path = source_copy / "items/15.yaml"
    good = path.read_text("utf-8")
    _edit(path, "      - 市社会保险事业服务中心 东洲分中心", "      - 市社会保险事业服务中心 东州分中心")
    code, lines = _check(tmp_path)
    assert code == 1
    line = next(i for i, t in enumerate(path.read_text("utf-8").splitlines(), 1) if "东州分中心" in t)
    assert any(ln.startswith(f"source/items/15.yaml:{line}:") and 'no window named "市社会保险事业服务中心 东州分中心"' in ln
               and '"市社会保险事业服务中心 东洲分中心"' in ln for ln in lines), lines
    path.write_text(good, "utf-8")
    res = run_cli("check", "--source", "source", cwd=tmp_path)
    assert res.returncode == 0
    notes = [ln for ln in res.stderr.decode().splitlines() if "可以链接" in ln]
    assert any(ln.startswith("source/items/52.yaml:") and "流动人员档案服务窗口" in ln and "东十路" not in ln for ln in notes)
    assert not any(ln.startswith(("source/items/04.yaml:", "source/items/41.yaml:")) for ln in notes)  # linked
    assert not any(ln.startswith("source/items/15.yaml:") for ln in notes)  # 15 links its windows


def test_the_windows_a_channel_text_names():
    """check's suggestion: a family, a qualified window read loosely (hiding its bare organisation), and
    an address in the text that keeps only the windows at that address."""
    from guidebook.catalogue import load_catalogue
    from guidebook.catalogue.check import windows_named
    from helpers import SOURCE

    cat = load_catalogue(SOURCE)
    names = [w.name for w in cat.windows.windows]
    addresses = {w.name: w.address for w in cat.windows.windows}
    family = windows_named("参保人所在各县区社保分中心窗口", names, addresses)
    assert len(family) == 8 and all("分中心" in n for n in family)
    assert windows_named("抚顺市社会保险事业服务中心机关事业单位中心（无差别受理窗口）", names, addresses) == [
        "市社会保险事业服务中心 (机关事业中心)"]
    assert windows_named("抚顺市就业和人才服务中心（顺城区裕城路 39 号）二楼办事窗口。", names, addresses) == [
        "市就业和人才服务中心 (市考试及职业技能鉴定服务中心综合服务窗口)",
        "市就业和人才服务中心 (市高校毕业生就业服务中心 流动人员档案服务窗口)"]  # not the one in 东十路
    assert windows_named("网上申请", names, addresses) == []


def test_a_service_number_with_its_area_code_is_a_phone():
    """0531-12333 (a city's 12333 hotline with its area code) is a phone in text and in a phone field; a
    landline of the wrong length is still reported."""
    from guidebook.catalogue import phones

    assert phones.in_text("咨询电话：0531-12333，或 024-52443219") == ["0531-12333", "024-52443219"]
    assert phones.FIELD.match("024-12333") and phones.FIELD.match("010-12345")
    assert phones.suspicious("咨询电话：0531-12333") == []
    assert phones.suspicious("咨询电话：024-1233") == ["024-1233"]


def test_every_field_of_the_json_schemas_is_explained_in_chinese():
    """What an editor's completion shows staff: each field's title and description come from the labels
    catalogue (the English description stays as $comment)."""
    import re

    from guidebook.catalogue.exporting import json_schemas

    cjk = re.compile(r"[\u4e00-\u9fff]")
    missing = []

    def walk(node, where):
        if isinstance(node, dict):
            for key, prop in (node.get("properties") or {}).items():
                if not cjk.search(prop.get("description", "")) or not cjk.search(prop.get("title", "")):
                    missing.append(f"{where}.{key}")
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for value in node:
                walk(value, where)

    schemas = {name: json.loads(text) for name, text in json_schemas().items()}
    for name, js in schemas.items():
        walk(js, name)
    assert not missing, missing
    item = schemas["item"]
    assert item["properties"]["conditions"]["title"] == "受理条件"
    assert item["$defs"]["Material"]["properties"]["need"]["description"].startswith("是否必需：必需 / 非必需")


def test_the_checker_words_every_message_in_chinese_for_staff(source_copy):
    """The editor shows the checker's own Chinese wording (it no longer translates English messages):
    schema errors by their kind, the validators' own refusals, the cross-checks and the YAML reader."""
    import re

    from guidebook.catalogue import load_catalogue
    from guidebook.diagnostics import DataError

    item = source_copy / "items" / "15.yaml"
    text = item.read_text("utf-8")
    item.write_text(text.replace("category: 失业保险", "category: 失业保险X\ncolour: red")
                    .replace("url: https://ggfw.lnrc.com.cn/ehrss/login/", "url: ggfw.lnrc.com.cn")
                    .replace("number: 15", "number: 14"), "utf-8")
    (source_copy / "items" / "16.yaml").write_text("number: 16\ncategory: 失业保险\n", "utf-8")
    with pytest.raises(DataError) as err:
        load_catalogue(source_copy)
    cjk = re.compile(r"[\u4e00-\u9fff]")
    diags = err.value.diagnostics
    assert len(diags) >= 4 and all(cjk.search(d.chinese) for d in diags), [(d.message, d.zh) for d in diags]
    said = {d.zh for d in diags}
    assert "必填" in said and "未知字段 colour" in said
    assert "不是有效的网址：应以 http:// 或 https:// 开头，后面是网站的域名" in said
    item.write_text(text.replace("category: 失业保险", "category: 失业保险X"), "utf-8")  # a cross-check
    (source_copy / "items" / "16.yaml").unlink()
    with pytest.raises(DataError) as err:
        load_catalogue(source_copy)
    assert [d.chinese for d in err.value.diagnostics] == ["没有“失业保险X”这个类别（类别在指南信息中列出）"]
    item.write_text("number: 15\n  title: x\n", "utf-8")  # the YAML reader's own advice
    with pytest.raises(DataError) as err:
        load_catalogue(source_copy)
    assert any(d.file.endswith("15.yaml") and "第 2 行" in d.chinese for d in err.value.diagnostics)
