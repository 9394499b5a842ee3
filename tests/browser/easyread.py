"""The easy-read test kit: checks every client page must pass, in real Chromium.

- ``axe_violations``: axe-core (from npm, injected by the test, never shipped) with all WCAG
  2.0/2.1/2.2 A and AA rules plus the AAA rule ``color-contrast-enhanced``.
- ``small_targets``: every visible tap target is at least 48×48 CSS pixels, the skip link
  included once it has focus.
- ``small_text``: every piece of visible text is at least 20 CSS pixels.
- ``lix`` / ``page_lix``: Swedish readability of the visible text (at most 30).
- ``page_weight``: the page's HTML plus CSS, gzip-compressed (at most 14 KB), and any request
  that left our own origin.
- ``check_easy_read``: all of the above at once, with messages that say what to fix.

Use it from any browser test: ``check_easy_read(page)`` after each navigation.
"""

from __future__ import annotations

import gzip
import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
MIN_TARGET = 48
MIN_TEXT_PX = 20
MAX_LIX = 30
MAX_GZIP_BYTES = 14 * 1024

_WORD = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*")
_SENTENCE_END = re.compile(r"[.!?:;]+(?=\s|$)|\n+")


def lix(text: str) -> float:
    """LIX = words per sentence + 100 × long words (more than six letters) ÷ words.

    A sentence ends at . ! ? : ; before a space, or at a line break (a heading, a button, a
    list item each stand alone on a page). Numbers are not words. Empty text scores 0.
    """
    sentences = [s for s in _SENTENCE_END.split(text) if _WORD.search(s)]
    words = _WORD.findall(text)
    if not words:
        return 0.0
    long_words = sum(1 for w in words if len(w.replace("-", "").replace("'", "")) > 6)
    return len(words) / len(sentences) + 100 * long_words / len(words)


def axe_violations(page: Page) -> list[str]:
    """Run axe-core on the page; return one line per violation and element (empty is good)."""
    if not AXE.exists():
        raise RuntimeError(f"{AXE} is missing: run `npm ci` (or `npm install`) in {ROOT}")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # evaluate() runs through the DevTools protocol, so the page's strict CSP allows it.
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {
                runOnly: {type: "tag", values: tags},
                rules: {"color-contrast-enhanced": {enabled: true}},
                resultTypes: ["violations"],
            });
            return r.violations.map(v => ({
                id: v.id, help: v.help, nodes: v.nodes.map(n => n.target.join(" "))
            }));
        }""",
        AXE_TAGS,
    )
    return [f"{v['id']}: {v['help']} → {node}" for v in result for node in v["nodes"]]


def small_targets(page: Page, minimum: int = MIN_TARGET) -> list[str]:
    """Visible links, buttons and fields smaller than ``minimum`` px either way."""
    return page.evaluate(
        """(minimum) => {
            const q = 'a[href], button, input:not([type=hidden]), select, textarea, summary,'
                + ' [role=button], [tabindex]:not([tabindex="-1"])';
            const small = [];
            for (const el of document.querySelectorAll(q)) {
                const r = el.getBoundingClientRect();
                const style = getComputedStyle(el);
                if (!el.getClientRects().length || style.visibility === "hidden") continue;
                if (r.right <= 0 || r.bottom <= 0) continue;  // parked off-screen (skip link)
                if (r.width < minimum || r.height < minimum) {
                    const label = (el.innerText || el.value || el.name || "").trim().slice(0, 40);
                    small.push(`${el.tagName.toLowerCase()} "${label}" ` +
                               `${Math.round(r.width)}×${Math.round(r.height)}`);
                }
            }
            return small;
        }""",
        minimum,
    )


def small_text(page: Page, minimum: int = MIN_TEXT_PX) -> list[str]:
    """Visible text set smaller than ``minimum`` px: one line per element, with its size."""
    return page.evaluate(
        """(minimum) => {
            const small = [];
            const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                const el = node.parentElement;
                if (!node.textContent.trim() || !el.getClientRects().length) continue;
                const style = getComputedStyle(el);
                if (style.visibility === "hidden") continue;
                const size = parseFloat(style.fontSize);
                if (size < minimum) {
                    small.push(`${el.tagName.toLowerCase()}.${el.className} ` +
                               `"${node.textContent.trim().slice(0, 30)}" ${size}px`);
                }
            }
            return small;
        }""",
        minimum,
    )


def focused_skip_link(page: Page) -> list[str]:
    """Tab to the skip link (the first stop) and measure it as a tap target."""
    if not page.locator("a.skip").count():
        return []
    page.locator("a.skip").focus()
    try:
        return small_targets(page)
    finally:
        page.locator("a.skip").blur()


def visible_swedish_text(page: Page) -> str:
    """The page's visible text, leaving out parts marked as another language."""
    return page.evaluate(
        """() => {
            const foreign = [...document.body.querySelectorAll("[lang]")]
                .filter(el => !el.lang.toLowerCase().startsWith("sv"));
            const before = foreign.map(el => el.style.display);
            foreign.forEach(el => { el.style.display = "none"; });
            const text = document.body.innerText;
            foreign.forEach((el, i) => { el.style.display = before[i]; });
            return text;
        }"""
    )


def page_lix(page: Page) -> float:
    return lix(visible_swedish_text(page))


@dataclass(frozen=True)
class Weight:
    html_gzip: int
    css_gzip: int
    foreign_requests: list[str]

    @property
    def total(self) -> int:
        return self.html_gzip + self.css_gzip


def gzip_size(data: bytes) -> int:
    """Bytes on the wire with ordinary gzip (level 6, as web servers use)."""
    return len(gzip.compress(data, compresslevel=6, mtime=0))


def page_weight(page: Page) -> Weight:
    """Gzip size of the page's HTML (fetched again with the page's cookies) and stylesheets,
    and every resource the page loaded from anywhere but its own origin."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
    html = page.request.get(page.url).body()
    css_urls = page.eval_on_selector_all(
        "link[rel=stylesheet]", "links => links.map(l => l.getAttribute('href'))"
    )
    css = sum(gzip_size(page.request.get(urljoin(page.url, u)).body()) for u in css_urls)
    loaded = page.evaluate("() => performance.getEntriesByType('resource').map(e => e.name)")
    foreign = [u for u in loaded if not (u.startswith(origin) or u.startswith("data:"))]
    return Weight(gzip_size(html), css, foreign)


def check_easy_read(page: Page, *, swedish: bool = True, axe: bool = True) -> dict[str, object]:
    """Assert the easy-read bars on the page as it is now; return the measured figures.

    ``axe=False`` leaves out axe-core alone, for pages opened with JavaScript switched off:
    the other checks measure through the DevTools protocol, which works there too.
    """
    where = urlsplit(page.url).path
    # The DOM of a page answering a POST can be read before its stylesheet has arrived (a CI
    # run measured the unstyled page's 19 px links); the load event waits for the stylesheet.
    page.wait_for_load_state("load")
    if axe:
        violations = axe_violations(page)
        assert violations == [], f"axe on {where}:\n" + "\n".join(violations)
    small = small_targets(page)
    assert small == [], f"tap targets under {MIN_TARGET} px on {where}: {small}"
    skip = focused_skip_link(page)
    assert skip == [], f"tap targets under {MIN_TARGET} px on {where} with the skip link: {skip}"
    tiny = small_text(page)
    assert tiny == [], f"text under {MIN_TEXT_PX} px on {where}: {tiny}"
    weight = page_weight(page)
    assert weight.total <= MAX_GZIP_BYTES, f"{where} weighs {weight.total} B gzip (HTML+CSS)"
    assert weight.foreign_requests == [], f"{where} loaded {weight.foreign_requests}"
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"], (
        f"{where} is wider than the phone"
    )
    figures: dict[str, object] = {"path": where, "gzip": weight.total}
    if swedish:
        score = page_lix(page)
        assert score <= MAX_LIX, f"LIX {score:.1f} on {where}:\n{visible_swedish_text(page)}"
        figures["lix"] = round(score, 1)
    if os.environ.get("EASYREAD_REPORT"):
        print("easy-read", figures)
    return figures
