"""``absolute_url`` agrees with the standard library's urljoin on every href."""

from __future__ import annotations

from urllib.parse import urldefrag, urljoin, urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.extract_html import absolute_url

BASES = [
    "http://127.0.0.1:8080/world/a.html?x=1#f",
    "https://Example.com/a/b/c",
    "HTTP://ex.com",
    "https://ex.com:99999/x",
    "http://[::1]:80/a",
]


def _reference(href: str, base: str) -> str | None:
    """The plain definition: urljoin, drop the fragment, keep http(s) with a valid host."""
    href = href.strip()
    if not href:
        return None
    joined = urldefrag(urljoin(base, href))[0] if not href.startswith("#") else urldefrag(base)[0]
    scheme, _, rest = joined.partition("://")
    host = rest.split("/", 1)[0].split("?", 1)[0]
    if scheme.lower() not in ("http", "https") or not host:
        return None
    joined = f"{scheme.lower()}://{rest}"
    try:
        _ = urlsplit(joined).port
    except ValueError:
        return None
    return joined


_hrefs = st.one_of(
    st.sampled_from(["/a/../b", "/a/./b", "//other.com/x", "/\\x", "?q", "#top", "../x", "/"]),
    st.text(alphabet="/ab.?#:%\\ -\t\n", max_size=12),
    st.text(alphabet="ab/.", max_size=8).map(lambda s: "/" + s),
)


@settings(max_examples=2000, deadline=None)
@given(href=_hrefs, base=st.sampled_from(BASES))
def test_matches_urljoin(href: str, base: str) -> None:
    assert absolute_url(href, base) == _reference(href, base)
