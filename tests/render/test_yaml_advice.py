"""The checker's indentation advice works: exhaustively, on every line of the seed catalogue (about 7,400
broken files, 10 s: in the slow tier, not the fast one)."""

from guidebook.catalogue.yamlsource import YamlError, parse_yaml


def test_indentation_advice_that_works_on_every_line_of_the_catalogue():
    """Every line of every catalogue file indented by -3..+3 spaces: where the message proposes an
    indentation, giving that line that indentation makes the file read; otherwise it proposes none."""
    import re
    from pathlib import Path

    from helpers import SOURCE

    advice = re.compile(r"^[^:]+:(\d+):\d+: line \d+ is indented .*?: indent it (\d+) space")
    cases = proposals = 0
    wrong = []
    for path in sorted(Path(SOURCE).rglob("*.yaml")):
        lines = path.read_text("utf-8").splitlines()
        for i, line in enumerate(lines):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            own = len(line) - len(line.lstrip(" "))
            for shift in (-3, -2, -1, 1, 2, 3):
                if own + shift < 0:
                    continue
                shifted = lines[:i] + [" " * (own + shift) + line.lstrip(" ")] + lines[i + 1:]
                cases += 1
                try:
                    parse_yaml("\n".join(shifted) + "\n", "t.yaml")
                    continue
                except YamlError as exc:
                    message = str(exc)
                m = advice.match(message)
                if "indent it" in message and not m:
                    wrong.append(("unparsed advice", path.name, i + 1, shift, message))
                if not m:
                    continue
                proposals += 1
                n, indent = int(m.group(1)), int(m.group(2))
                fixed = shifted[:n - 1] + [" " * indent + shifted[n - 1].lstrip(" ")] + shifted[n:]
                try:
                    parse_yaml("\n".join(fixed) + "\n", "t.yaml")
                except YamlError as exc:
                    wrong.append((path.name, i + 1, shift, message, str(exc)))
    assert cases > 5000 and proposals > cases * 0.8, (cases, proposals)
    assert not wrong, wrong[:5]
