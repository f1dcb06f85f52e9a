"""axe-core (tests/browser/axe, installed by `make install`/`make test`) run in the page under test.

The app's Content-Security-Policy forbids inline scripts, so the context that injects axe is made with
bypass_csp=True; that switch changes nothing the page itself does."""
from pathlib import Path

AXE_JS = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 900}
SIZES = {"laptop": LAPTOP, "phone": PHONE}
BLOCKING = {"serious", "critical"}


def new_context(chromium, size, **kwargs):
    """A browser context at one of SIZES; a phone is a touch screen."""
    return chromium.new_context(viewport=SIZES[size], is_mobile=size == "phone", has_touch=size == "phone",
                                bypass_csp=True, **kwargs)


def violations(page, impacts=BLOCKING):
    """axe's WCAG 2.x A/AA (and 2.2) checks on the page as it is now: [(rule, impact, help, [targets])]."""
    if not AXE_JS.exists():
        raise AssertionError(f"axe-core is missing at {AXE_JS}: run `make axe` (npm ci in tests/browser/axe)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("""() => axe.run(document, {
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']},
        resultTypes: ['violations']})""")
    return [(v["id"], v["impact"], v["help"], [" ".join(map(str, n["target"])) for n in v["nodes"]][:5])
            for v in result["violations"] if v["impact"] in impacts]


def page_width(page):
    """(the page's scroll width, the viewport's width): equal when nothing scrolls sideways."""
    return page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")


def in_first_screen(locator):
    """The element is shown and lies inside the viewport without scrolling (top-left origin)."""
    box = locator.bounding_box()
    size = locator.page.viewport_size
    return (box is not None and box["width"] > 0 and box["y"] >= 0 and box["x"] >= 0
            and box["y"] + box["height"] <= size["height"] and box["x"] + box["width"] <= size["width"])
