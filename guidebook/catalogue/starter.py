"""`guidebook init`: a new catalogue that passes `check` and builds at once, for another bureau.

It holds no facts of any bureau: the one window and the one item are examples, marked `example: true`
(`check` warns until they are replaced or deleted), whose texts say what to write in them. The only
number in them is 12333, the national 人社 service hotline that every HR and social security bureau
answers. Everything is written with the same files and schema lines as the seed catalogue, so the editor
works on it from the first minute.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from guidebook.catalogue import labels as L
from guidebook.catalogue.check import GUIDE_FILE, ITEMS_DIR, SYNONYMS_FILE, WINDOWS_FILE
from guidebook.diagnostics import GuidebookError
from guidebook.files import write_atomic

GUIDE_TITLE = L.NEW_GUIDE_TITLE
CATEGORY = "第一类事项（请改为本单位的类别名称）"
README_NAME = L.INIT_README


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def files(bureau: str, title: str, year: int) -> dict[str, str]:
    """The starter catalogue's files, by path relative to the new folder."""
    guide = (f"# yaml-language-server: $schema=schema/guide.schema.json\n"
             f"# 指南信息：标题、发布单位、版次（年份）、封面标语和事项类别（按指南中的顺序）。\n"
             f"title: {_quoted(title)}\nbureau: {_quoted(bureau)}\nedition: {year}\n"
             f"categories:\n  - name: {_quoted(CATEGORY)}\n")
    windows = ("# yaml-language-server: $schema=schema/windows.schema.json\n"
               "# 服务窗口：名称、地址、电话（固定电话带区号，如 024-12345678）、办理时间。\n"
               "title: 服务窗口\nwindows:\n"
               f"  - name: {L.EXAMPLE_WINDOW}\n"
               f"    address: {L.EXAMPLE_ADDRESS}\n"
               '    phone: "12333"\n'
               "    example: true\n")
    item = ("# yaml-language-server: $schema=../schema/item.schema.json\n"
            "# 一个事项一个文件。改成本单位的真实事项后，删除最后一行 example: true。\n"
            f"number: 1\ncategory: {_quoted(CATEGORY)}\n"
            "title: 示例事项（请改为事项名称）\n"
            "intro: 请在这里写明本事项的办理条件和适用范围。\n"
            "materials:\n  items:\n    - name: 请填写需提供的材料\n      form: 原件\n"
            "channels:\n  - kind: 窗口办\n    text: 请填写办理地点\n"
            "time_limit: 请填写办理时限\n"
            "tips: 如有问题可拨打 12333 咨询。\n"
            "example: true\n")
    synonyms = ("# yaml-language-server: $schema=schema/synonyms.schema.json\n"
                "# 网页版的搜索用词：群众常说的词（say）和指南里的词（means），搜索时两个都找；不印在指南里。\n"
                "# 例如：- {say: 社保卡, means: 社会保障卡}。发现群众搜不到的说法，就在下面加一行。\n"
                "words: []\n")
    readme = f"""{title}：{README_NAME.removesuffix('.txt')}
================================

这个文件夹是用 guidebook init 新建的办事指南目录（{bureau}）。

1. 检查：guidebook check
   会提示“示例事项”和“示例窗口”：把它们改成本单位的真实内容，然后删除 example: true 这一行。
2. 在浏览器里修改：guidebook edit
   打开终端里显示的地址，可以修改指南信息、增加类别、窗口和事项，保存前都会检查。
3. 生成全部文件：guidebook build
   在 output/ 文件夹中生成 PDF 指南、一次性告知单、Word 文件和网页版。
4. 发布网页版：guidebook publish 网站文件夹

文件说明：
  source/guide.yaml    指南信息和事项类别
  source/windows.yaml  服务窗口
  source/items/        每个事项一个文件（01.yaml、02.yaml ……）
  source/synonyms.yaml 网页版搜索用词（群众的说法 → 指南里的词）
  source/schema/       检查用的格式说明（不用修改）
  违规禁办事项清单（source/prohibited.yaml）和容缺办理事项清单（source/tolerated.yaml）可选：
  需要时再新建，格式见 guidebook 的说明文档。
"""
    out = {f"source/{GUIDE_FILE}": guide, f"source/{WINDOWS_FILE}": windows,
           f"source/{ITEMS_DIR}/01.yaml": item, f"source/{SYNONYMS_FILE}": synonyms}
    from guidebook.catalogue.exporting import json_schemas

    out.update({f"source/schema/{name}.schema.json": data for name, data in json_schemas().items()})
    out[README_NAME] = readme  # last: the file the command points to
    return out


def init(folder: Path, bureau: str, title: str = GUIDE_TITLE, year: int | None = None) -> list[Path]:
    """Write the starter catalogue into `folder` (made if missing; refused if it holds anything)."""
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise GuidebookError(f"{folder}: already exists and is not empty; `guidebook init` only writes a new folder")
    for value, what in ((bureau, "--bureau"), (title, "--title")):
        if not value.strip() or "\n" in value:
            raise GuidebookError(f"{what} must be one line of text")
    written = []
    for rel, text in files(bureau.strip(), title.strip(), year or dt.date.today().year).items():
        path = folder / rel
        write_atomic(path, text.encode("utf-8"))
        written.append(path)
    return written
