"""What the banner's observer costs a page that keeps changing, against the same page without it.

    python bench/spa_observer.py [ROUNDS]

A host page inserts 1,000 elements (a product list, none of them gated), once as one batch
(one call of the observer) and once one element at a time (1,000 calls), and times the
insertion until every observer callback has run. Two tabs side by side, the bare page and the
page with the banner (the demo site, no decision yet), alternate run by run; the table shows
the medians, the fastest runs and their ratios, measured in the same run. On a loaded machine
single runs spread over a factor of ten: read the fastest runs beside the medians.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.page_cost import CHROMIUM, demo_servers  # noqa: E402
from bench.report import Row  # noqa: E402

NODES = 1000
#: Inserts NODES product cards in `batches` batches; each await lets the observer run.
INSERT = """async ([nodes, batches]) => {
  const list = document.getElementById('list');
  list.replaceChildren();
  await new Promise(done => setTimeout(done));
  const started = performance.now();
  for (let b = 0; b < batches; b++) {
    for (let i = 0; i < nodes / batches; i++) {
      const card = document.createElement('article');
      card.innerHTML = '<h3>Tea ' + i + '</h3><p>Green tea from Almaty, <b>1 200 ₸</b></p>';
      list.append(card);
    }
    // The observer's callback for this batch was queued first: it runs before this resumes.
    await Promise.resolve();
  }
  return performance.now() - started;
}"""
CASES = {"one batch": 1, "one element at a time": NODES}


def page(head: str) -> str:
    return f"""<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>Shop</title>
{head}</head><body><main><h1>Catalogue</h1><div id="list"></div></main></body></html>"""


def run(rounds: int = 15, log=print) -> dict[str, tuple[float, float, float, float]]:
    """{case: (median ms without the banner, median with it, and the two fastest runs)}."""
    from playwright.sync_api import sync_playwright

    _meter, consent, host, pages, tag = demo_servers("spa_observer-")
    pages.update({"/bare": page(""), "/banner": page(tag)})
    times: dict[str, dict[str, list[float]]] = {c: {"bare": [], "banner": []} for c in CASES}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"])
            tabs = {}
            for name in ("bare", "banner"):
                tabs[name] = browser.new_context(locale="ru-RU").new_page()
                tabs[name].goto(f"{host.url}/{name}")
            tabs["banner"].wait_for_function("window.cookieconsent !== undefined")
            for case, batches in CASES.items():
                for name in tabs:  # a warm-up run each, not counted
                    tabs[name].evaluate(INSERT, [NODES, batches])
                for _ in range(rounds):
                    for name, tab in tabs.items():
                        times[case][name].append(tab.evaluate(INSERT, [NODES, batches]))
            browser.close()
    finally:
        consent.stop()
        host.stop()
    result = {}
    for case, measured in times.items():
        bare, banner = measured["bare"], measured["banner"]
        result[case] = (statistics.median(bare), statistics.median(banner), min(bare), min(banner))
        log(f"  {case}: bare {measured['bare']}, banner {measured['banner']}")
    return result


def measure(log=print) -> list[Row]:
    """Rows for bench/run: the banner's median against the bare page's, per case."""
    return [
        Row("spa observer", f"insert {NODES:,} elements, {case}", banner, "ms",
            "same page without the banner", bare,
            note=f"medians of 15 alternating runs in two tabs; {CASES[case]:,} observer calls;"
            f" fastest runs {fast_bare:.1f} and {fast_banner:.1f} ms")
        for case, (bare, banner, fast_bare, fast_banner) in run(log=log).items()
    ]


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    result = run(rounds, log=lambda line: None)
    print(f"{'case (medians, then fastest runs)':36} {'bare ms':>9} {'banner ms':>10} {'ratio':>6}")
    for case, (bare, banner, fast_bare, fast_banner) in result.items():
        print(f"{case + ', median':36} {bare:>9.1f} {banner:>10.1f} {banner / bare:>6.2f}")
        print(f"{case + ', fastest':36} {fast_bare:>9.1f} {fast_banner:>10.1f}"
              f" {fast_banner / fast_bare:>6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
