"""Word guides written the ways bureaus write them, made with python-docx, for the import tests.

Their facts are those of the seed booklet (tests/fixtures/booklet.txt: items 15, 36 and 43 of the
Fushun guide); only the shapes are other bureaus': heading styles; bold numbered paragraphs without
styles; materials as a table (merged cells, a header repeated on a second page); one 要素表 per item;
a guide with a 目录 of its own and page numbers in it; full-width digits and punctuation; one item's
guide with numbered labels and no item heading.
"""

from __future__ import annotations

from pathlib import Path

BUREAU = "抚顺市人力资源和社会保障局"
TITLE = "办事不找关系指南"


def _doc():
    import docx

    return docx.Document()


def _cover(d) -> None:
    d.add_paragraph(TITLE, style="Title")
    d.add_paragraph(BUREAU)
    d.add_paragraph("2026年版")


def _bold(d, text: str):
    p = d.add_paragraph()
    p.add_run(text).bold = True
    return p


def heading_styles(path: Path) -> Path:
    """Heading 1 categories, Heading 2 items, Heading 3 labels; numbers typed as text."""
    d = _doc()
    _cover(d)
    d.add_heading("一、失业保险", level=1)
    d.add_heading("15. 失业保险金申领", level=2)
    d.add_paragraph("累计缴费满 1 年，非因本人意愿中断就业的，已办理失业登记，并有求职要求的。")
    d.add_heading("申请材料", level=3)
    d.add_paragraph("1. 申领人身份证")
    d.add_paragraph("2. 社会保障卡")
    d.add_heading("办理地点", level=3)
    d.add_paragraph("窗口办：各县区社保分中心")
    d.add_paragraph("网上办：辽宁省人力资源和社会保障公共服务平台：https://ggfw.lnrc.com.cn/ehrss/login/")
    d.add_heading("办理时限", level=3)
    d.add_paragraph("全月经办。")
    d.add_heading("注意事项", level=3)
    d.add_paragraph("如有问题可拨打 12333 咨询办理。")
    d.add_heading("二、社会保障卡", level=1)
    d.add_heading("36. 社会保障卡申领", level=2)
    d.add_paragraph("抚顺市参保人员中未申请社会保障卡的人员。")
    d.add_heading("需提供要件", level=3)
    d.add_paragraph("申请人本人有效身份证件 原件", style="List Number")
    d.add_heading("办理渠道", level=3)
    d.add_paragraph("①窗口办：抚顺市合作银行网点")
    d.add_paragraph("②自助办：合作银行网点")
    d.save(path)
    return path


def bold_numbers(path: Path) -> Path:
    """No heading styles at all: bold 一、 categories and 1、 items, labels in 【】, inline ①②③."""
    d = _doc()
    _cover(d)
    _bold(d, "一、劳务派遣经营许可")
    _bold(d, "43、劳务派遣经营许可")
    d.add_paragraph("经营劳务派遣业务，应当向劳动行政部门依法申请行政许可；经许可的，依法办理相应的公司登记。"
                    "未经许可，任何单位和个人不得经营劳务派遣业务。")
    d.add_paragraph("【所需材料】")
    d.add_paragraph("①劳务派遣经营许可申请书；②单位办公设施设备、信息管理系统等清单；③拟与用工单位签订的劳务派遣协议样本。")
    d.add_paragraph("【办理方式】")
    d.add_paragraph("窗口办：抚顺市公共行政服务中心一楼 10 号人社窗口")
    d.add_paragraph("【办理时限】8 个工作日")
    d.add_paragraph("咨询电话：53997839")
    d.save(path)
    return path


def materials_table(path: Path) -> Path:
    """Materials as a table with 序号, 材料名称, 原件/复印件, 份数, 来源, 备注: the 来源 cell merged over three
    rows, and the header row repeated where the table goes on over the next page."""
    d = _doc()
    _cover(d)
    d.add_heading("一、机关事业单位保险", level=1)
    d.add_heading("34. 企业养老保险转抚顺市社会保险机关事业单位养老保险", level=2)
    d.add_paragraph("企业养老保险参保人员在机关事业单位参保缴费后，可申请企业养老保险转机关事业单位养老保险。")
    d.add_heading("申报材料", level=3)
    head = ["序号", "材料名称", "来源", "备注"]
    rows = [head, ["1", "《机关事业单位养老保险手册》", "申请人自备", ""],
            ["2", "进入机关事业单位的起薪批件复印件", "", ""], ["3", "入职表复印件", "", ""], head,
            ["4", "身份证", "申请人自备", ""], ["5", "转入地经办机构出具的《基本养老保险关系转移接续联系函》", "申请人自备", ""]]
    t = d.add_table(rows=len(rows), cols=len(head))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            t.cell(r, c).text = text
    merged = t.cell(1, 2).merge(t.cell(3, 2))  # one 来源 for the first three materials
    merged.text = "申请人自备"
    d.add_paragraph("注：全额拨款单位不需提供要件①和③")
    d.add_heading("办理地点", level=3)
    d.add_paragraph("窗口办：单位所属地社保分中心机关事业单位窗口")
    d.save(path)
    return path


def element_tables(path: Path) -> Path:
    """One 要素表 per item (项目 | 内容), as 政务服务 portals export them, the item named in the table."""
    d = _doc()
    _cover(d)
    d.add_heading("一、社会保障卡", level=1)
    rows = [("项目", "内容"), ("事项名称", "社会保障卡申领"), ("受理条件", "抚顺市参保人员中未申请社会保障卡的人员。"),
            ("申请材料", "申请人本人有效身份证件（原件）"), ("办理地点", "窗口办：抚顺市合作银行网点"),
            ("承诺时限", "即时办结"), ("咨询电话", "12333"), ("备注栏", "（原文另有一栏）")]
    t = d.add_table(rows=len(rows), cols=2)
    for r, (a, b) in enumerate(rows):
        t.cell(r, 0).text, t.cell(r, 1).text = a, b
    d.save(path)
    return path


def own_contents(path: Path) -> Path:
    """A guide with a 目录 of its own, page numbers after dot leaders, and full-width digits."""
    d = _doc()
    _cover(d)
    d.add_paragraph("目　录")
    d.add_paragraph("一、失业保险……………………3")
    d.add_paragraph("１５．失业保险金申领………………3")
    d.add_paragraph("这一段原文不属于任何事项。")
    _bold(d, "一、失业保险")
    _bold(d, "１５．失业保险金申领")
    d.add_paragraph("（一）申请材料")
    d.add_paragraph("（１）申领人身份证")
    d.add_paragraph("（２）社会保障卡")
    d.add_paragraph("（二）办理时限：全月经办。")
    d.add_paragraph("（三）办理地点：窗口办：各县区社保分中心")
    d.save(path)
    return path


def single_item(path: Path) -> Path:
    """One item's 办事指南, as a 政务服务 portal prints it: no cover and no item heading, only a Heading 1
    "…办事指南" and bold 一、二、三 labels (事项名称 on its own line, the title on the next), materials as a
    table with 是否必需, the time limits as 法定/承诺 lines, 办理地点及时间 with office hours, a flow written
    with dashes, and the 12333 hotline with an area code. Facts: the seed's item 43 and its laws
    (tests/fixtures/elements/guide.yaml names their sources)."""
    d = _doc()
    d.add_heading("劳务派遣经营许可办事指南", level=1)
    for label, lines in [
        ("一、事项名称", ["劳务派遣经营许可"]), ("二、事项类型", ["行政许可"]),
        ("三、设定依据", ["《中华人民共和国劳动合同法》第五十七条"]),
        ("四、受理条件", ["1.注册资本不得少于人民币二百万元；", "2.有与开展业务相适应的固定的经营场所和设施。"]),
        ("五、申请材料", None), ("六、办理流程", ["申请——受理——审核——办结"]),
        ("七、办理时限", ["法定办结时限：20 个工作日", "承诺办结时限：8 个工作日"]),
        ("八、办理地点及时间", ["抚顺市公共行政服务中心一楼 10 号人社窗口", "工作日上午 8:30-11:30，下午 13:00-17:00"]),
        ("九、咨询电话", ["024-12333"])]:
        _bold(d, label)
        if lines is None:
            rows = [["序号", "材料名称", "材料形式", "是否必需"], ["1", "劳务派遣经营许可申请书", "原件", "是"],
                    ["2", "拟与用工单位签订的劳务派遣协议样本", "复印件", "否"]]
            t = d.add_table(rows=len(rows), cols=4)
            for r, row in enumerate(rows):
                for c, text in enumerate(row):
                    t.cell(r, c).text = text
        for line in lines or []:
            d.add_paragraph(line)
    d.save(path)
    return path


SHAPES = {"heading_styles": heading_styles, "bold_numbers": bold_numbers, "materials_table": materials_table,
          "element_tables": element_tables, "own_contents": own_contents, "single_item": single_item}
