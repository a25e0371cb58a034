"""The editor's copy of the web edition keeps the access token on its own links, and on no other."""

from __future__ import annotations

from guidebook.serve.editor.app import with_token

PAGE = (b'<a href="items/07.html">7</a> <a href="../index.html#category-2">up</a> '
        b'<link href="assets/site.css" rel="stylesheet"><script src="assets/site.js"></script> '
        b'<a href="https://fsrs.fushun.gov.cn/fsrs/xxgk/list.html">out</a> <a href="//evil.example/x.html">o</a> '
        b'<a href="tel:12333">tel</a> <a href="mailto:a@b.cn">m</a> <a href="downloads/15.pdf">pdf</a>')


def test_own_links_carry_the_token():
    out = with_token(PAGE, "TOK")
    assert b'href="items/07.html?t=TOK"' in out and b'href="../index.html?t=TOK#category-2"' in out
    assert b'href="assets/site.css?t=TOK"' in out and b'src="assets/site.js?t=TOK"' in out


def test_links_out_never_carry_it():
    out = with_token(PAGE, "TOK")
    assert b'href="https://fsrs.fushun.gov.cn/fsrs/xxgk/list.html"' in out
    assert b'href="//evil.example/x.html"' in out
    assert out.count(b"TOK") == 4
