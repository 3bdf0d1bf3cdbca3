#!/usr/bin/env python3
"""Drives the `loom serve` web playground (GET /) in headless Chromium through Selenium:
  - the model list loads (both bundled models, and the two model menus);
  - Classify: a positive review gives "pos", a negative one "neg", each with its probability and bars;
  - Ctrl+Enter in the review box classifies too (and types no newline);
  - Generate "ROMEO:" with length 600 streams: #output grows through at least 2 lengths before its last,
    data-chunks ends > 1 and #generate-status reports the characters;
  - at 420x900 nothing sticks out past the viewport's right edge;
  - no errors in the browser console.
Screenshots (wide after classify, wide after explain, wide after generate, narrow) go to $LOOM_SCREENSHOTS (.build/screenshots).
Prints a PASS/FAIL line per check; exits 1 on any failure.

Usually run by scripts/browser_test.sh, which starts the server; by hand:
  python3 scripts/browser_test.py http://127.0.0.1:8080
Environment: CHROMIUM (default /usr/bin/chromium), CHROMEDRIVER (default /usr/bin/chromedriver).
"""
import os, re, sys, time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

URL = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080"
SHOTS = os.environ.get("LOOM_SCREENSHOTS", ".build/screenshots")
POSITIVE = "A wonderful, moving film with a superb cast. I loved every minute and would happily watch it again."
NEGATIVE = "Dull, boring and far too long. The acting was wooden, the plot made no sense; a complete waste of time."
failures = 0


def check(condition, what, detail=""):
    global failures
    print(f"{'PASS' if condition else 'FAIL'}: {what}" + (f" ({detail})" if detail else ""), flush=True)
    failures += 0 if condition else 1
    return condition


def step(function):
    """Runs one group of checks; an exception (a timeout, a missing element) is one FAIL, and the next step runs."""
    try:
        function()
    except Exception as error:
        check(False, function.__doc__.strip(), f"{type(error).__name__}: {str(error).strip().splitlines()[0] if str(error).strip() else ''}")
    return function


def screenshot(name):
    """The whole page (beyond the viewport) as PNG, through the DevTools protocol."""
    import base64
    path = os.path.join(SHOTS, name)
    width, height = driver.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}})
    with open(path, "wb") as file:
        file.write(base64.b64decode(shot["data"]))
    print(f"      screenshot {path} ({width}x{height})")


def text(element_id):
    return driver.find_element(By.ID, element_id).text.strip()


def classify(review, keyboard=False):
    box = driver.find_element(By.ID, "review")
    box.clear()
    box.send_keys(review)
    if keyboard:
        box.send_keys(Keys.CONTROL, Keys.ENTER)
    else:
        driver.find_element(By.ID, "classify-button").click()
    # classify() empties #label at once and fills it when the answer is in.
    wait.until(lambda d: text("label") and d.find_element(By.ID, "classify-button").is_enabled())
    return text("label")


options = webdriver.ChromeOptions()
options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,900",
                 "--force-device-scale-factor=1", "--lang=en-US"]:
    options.add_argument(argument)
options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
os.makedirs(SHOTS, exist_ok=True)
driver = webdriver.Chrome(options=options, service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")))
wait = WebDriverWait(driver, 30)
try:
    driver.get(URL + "/")

    @step
    def models():
        """the model list loads"""
        wait.until(lambda d: "loading" not in text("models") and text("models"))
        listed = text("models")
        check("imdb-sentiment (sentiment)" in listed and "shakespeare (charrnn)" in listed, "model list shows both models", listed.replace("\n", " | ")[:160])
        menus = driver.execute_script("return [...document.querySelectorAll('#classify-model option, #generate-model option')].map(o => o.value)")
        check(menus == ["imdb-sentiment", "shakespeare"], "model menus filled", str(menus))

    @step
    def classify_positive():
        """classify a positive review"""
        label = classify(POSITIVE)
        check(label == "pos", "positive review is classified pos", label)
        probability = text("probability")
        check(re.fullmatch(r"probability (0|1)\.\d{3}", probability) is not None, "probability is shown", probability)
        bars = driver.find_elements(By.CSS_SELECTOR, "#probabilities .bar")
        check(len(bars) == 2, "one bar per class", f"{len(bars)} bars")

    @step
    def classify_negative():
        """classify a negative review"""
        label = classify(NEGATIVE)
        check(label == "neg", "negative review is classified neg", label)
        check(text("probability").startswith("probability "), "probability is shown", text("probability"))
        screenshot("wide-classify.png")

    @step
    def explain():
        """explain shades the review's words by their attribution"""
        review = "Not bad at all, I loved the ending. The acting was dreadful <b>though</b>."
        box = driver.find_element(By.ID, "review")
        box.clear()
        box.send_keys(review)
        driver.find_element(By.ID, "explain-button").click()
        wait.until(lambda d: d.find_element(By.ID, "explanation").is_displayed() and d.find_element(By.ID, "explain-button").is_enabled())
        shown = driver.find_element(By.ID, "explanation").text
        check(shown == review, "the explained review reads as typed (markup shown as text, not obeyed)", shown[:120])
        tokens = driver.execute_script("""return [...document.querySelectorAll('#explanation .tok')].map(
            t => [t.textContent, parseFloat(t.dataset.attribution), getComputedStyle(t).backgroundColor])""")
        check(len(tokens) >= 12, "every word is a shaded token", f"{len(tokens)} tokens")
        words = {word.lower(): (value, colour) for word, value, colour in tokens}
        label = text("label")
        dreadful, loved = words.get("dreadful", (0, ""))[0], words.get("loved", (0, ""))[0]
        check((dreadful > 0) == (label == "neg") and (loved > 0) == (label == "pos"),
              "dreadful speaks for neg and loved for pos", f"verdict {label}, dreadful {dreadful:+.3f}, loved {loved:+.3f}")
        greens = [c for _, v, c in tokens if v > 0 and c.startswith("rgba(23, 128, 61")]
        reds = [c for _, v, c in tokens if v < 0 and c.startswith("rgba(180, 35, 24")]
        check(greens and reds, "green for the verdict, red against it", f"{len(greens)} green, {len(reds)} red")
        status = text("explain-status")
        check("integrated gradients" in status and "completeness gap" in status, "the method and its check are stated", status)
        screenshot("wide-explain.png")

    @step
    def keyboard():
        """Ctrl+Enter in the review box classifies"""
        label = classify(POSITIVE, keyboard=True)
        check(label == "pos", "Ctrl+Enter in #review classifies (neg -> pos)", label)
        value = driver.find_element(By.ID, "review").get_attribute("value")
        check(value == POSITIVE, "Ctrl+Enter typed no newline into the review")

    @step
    def generate():
        """generate streams its text in pieces"""
        prompt, length = driver.find_element(By.ID, "prompt"), driver.find_element(By.ID, "length")
        prompt.clear(); prompt.send_keys("ROMEO:")
        length.clear(); length.send_keys("600")
        # Sample #output's length from here (each WebDriver call takes milliseconds) and, every 5 ms, in the page.
        driver.execute_script("""window.seenLengths = [];
            const sample = () => window.seenLengths.push(document.getElementById('output').textContent.length);
            window.sampler = setInterval(sample, 5);""")
        driver.find_element(By.ID, "generate-button").click()
        seen, deadline = [], time.monotonic() + 60
        while time.monotonic() < deadline:  # the button stays disabled until the stream has ended
            size, busy = driver.execute_script(
                "return [document.getElementById('output').textContent.length, document.getElementById('generate-button').disabled]")
            if not seen or seen[-1] != size:
                seen.append(size)
            if not busy:
                break
        final, in_page = driver.execute_script("clearInterval(window.sampler); "
                                               "return [document.getElementById('output').textContent.length, window.seenLengths]")
        polled = {size for size in seen if 0 < size < final}
        intermediate = sorted(polled | {size for size in in_page if 0 < size < final})
        check(len(intermediate) >= 2, "output grew in steps before its final length",
              f"{len(intermediate)} intermediate lengths ({len(polled)} seen by polling) "
              f"{intermediate[:6]}{'…' if len(intermediate) > 6 else ''}, final {final}")
        chunks = int(driver.find_element(By.ID, "output").get_attribute("data-chunks") or 0)
        check(chunks > 1, "data-chunks counts several pieces", f"data-chunks={chunks}")
        status = text("generate-status")
        check("characters" in status and final > 0, "#generate-status reports the characters", status)
        check(re.search(r"\b600 characters\b", status) is not None, "600 characters were generated", status)
        screenshot("wide-generate.png")

    @step
    def narrow():
        """the page fits a narrow window"""
        driver.set_window_size(420, 900)
        wait.until(lambda d: d.execute_script("return window.innerWidth") <= 420)
        inner, scroll = driver.execute_script("return [window.innerWidth, document.documentElement.scrollWidth]")
        sticking_out = driver.execute_script("""
            return [...document.querySelectorAll('body *')].filter(e => e.getClientRects().length &&
                     e.getBoundingClientRect().right > window.innerWidth + 1)
                   .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : ''));""")
        check(scroll <= inner + 1, "no horizontal scrolling at 420x900", f"scrollWidth {scroll}, innerWidth {inner}")
        check(not sticking_out, "no element's right edge past the viewport", ", ".join(sticking_out[:10]) or f"innerWidth {inner}")
        screenshot("narrow.png")

    @step
    def console():
        """no errors in the browser console"""
        errors = [entry["message"] for entry in driver.get_log("browser")
                  if entry["level"] == "SEVERE" and "favicon.ico" not in entry["message"]]
        check(not errors, "no errors in the browser console", "; ".join(errors)[:300])
finally:
    if failures:
        try:
            screenshot("failure.png")
        except Exception:
            pass
    driver.quit()

print(f"{'FAIL' if failures else 'PASS'}: browser test, {failures} failed check(s)")
sys.exit(1 if failures else 0)
