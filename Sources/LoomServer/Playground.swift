/// `GET /`: the web playground — one self-contained page (HTML, CSS, plain JavaScript; no CDN, no build
/// step, works offline) over the JSON API: classify or explain a review, stream a continuation of a prompt, list the
/// models. Driven by a real browser in `scripts/browser_test.py`.
enum Playground {
    static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Loom playground</title>
<style>
  :root { --fg: #1d232b; --muted: #5b6673; --line: #d5dbe2; --accent: #2457c5; --pos: #17803d; --neg: #b42318; --bg: #f7f8fa; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
  header { padding: 14px 20px; border-bottom: 1px solid var(--line); background: #fff; display: flex; flex-wrap: wrap; gap: 8px 20px; align-items: baseline; }
  header h1 { margin: 0; font-size: 20px; }
  header p { margin: 0; color: var(--muted); font-size: 14px; }
  main { max-width: 1100px; margin: 0 auto; padding: 16px; display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 16px; }
  section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px; min-width: 0; container-type: inline-size; }
  h2 { margin: 0 0 10px; font-size: 17px; }
  label { display: block; font-size: 14px; color: var(--muted); margin: 8px 0 4px; }
  textarea, input, select { width: 100%; font: inherit; padding: 8px; border: 1px solid var(--line); border-radius: 6px; background: #fff; color: var(--fg); }
  textarea { min-height: 120px; resize: vertical; }
  textarea:focus, input:focus, select:focus, button:focus { outline: 3px solid #9db7ee; outline-offset: 1px; }
  .row { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; }
  @container (min-width: 480px) { .row { grid-template-columns: repeat(4, 1fr); } }
  button { margin-top: 12px; font: inherit; padding: 8px 16px; border: 0; border-radius: 6px; background: var(--accent); color: #fff; cursor: pointer; }
  button:disabled { background: #8a9bbd; cursor: wait; }
  .result { margin-top: 12px; min-height: 2em; }
  .verdict { font-size: 22px; font-weight: 600; }
  .verdict.pos { color: var(--pos); } .verdict.neg { color: var(--neg); }
  .bar { height: 10px; border-radius: 5px; background: var(--line); overflow: hidden; margin-top: 6px; }
  .bar > span { display: block; height: 100%; background: var(--accent); }
  pre#output { white-space: pre-wrap; word-break: break-word; background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 10px; min-height: 140px; max-height: 60vh; overflow: auto; margin: 12px 0 0; font: 14px/1.45 ui-monospace, "DejaVu Sans Mono", monospace; }
  .muted { color: var(--muted); font-size: 14px; }
  .error { color: var(--neg); }
  ul#models { padding-left: 18px; margin: 0; }
  .explained { white-space: pre-wrap; word-break: break-word; border-left: 3px solid var(--line); padding-left: 10px; margin: 12px 0 4px; }
  .explained .tok { border-radius: 3px; padding: 0 1px; }
  kbd { font-size: 12px; border: 1px solid var(--line); border-radius: 3px; padding: 0 4px; }
</style>
</head>
<body>
<header>
  <h1>Loom playground</h1>
  <p>Sentiment and character-level generation, served by <code>loom serve</code>. <kbd>Ctrl</kbd>+<kbd>Enter</kbd> runs the box you are in.</p>
</header>
<main>
  <section aria-labelledby="classify-title">
    <h2 id="classify-title">Classify a review</h2>
    <label for="classify-model">Model</label>
    <select id="classify-model"></select>
    <label for="review">Review</label>
    <textarea id="review" placeholder="Paste a review…">A wonderful, moving film with a superb cast.</textarea>
    <button id="classify-button" type="button">Classify</button>
    <button id="explain-button" type="button" title="Shade each word by how much it pushed the verdict (integrated gradients)">Explain</button>
    <div class="result" id="classify-result" aria-live="polite">
      <div class="verdict" id="label"></div>
      <div id="probability" class="muted"></div>
      <div id="probabilities"></div>
      <p id="explanation" class="explained" hidden></p>
      <div id="explain-status" class="muted"></div>
    </div>
  </section>
  <section aria-labelledby="generate-title">
    <h2 id="generate-title">Continue a prompt</h2>
    <label for="generate-model">Model</label>
    <select id="generate-model"></select>
    <label for="prompt">Prompt</label>
    <textarea id="prompt" style="min-height: 70px">ROMEO:</textarea>
    <div class="row">
      <div><label for="length">Length</label><input id="length" type="number" min="1" max="10000" value="400"></div>
      <div><label for="temperature">Temperature</label><input id="temperature" type="number" min="0" step="0.05" value="0.8"></div>
      <div><label for="top-k">Top-k</label><input id="top-k" type="number" min="1" placeholder="off"></div>
      <div><label for="top-p">Top-p</label><input id="top-p" type="number" min="0.01" max="1" step="0.01" placeholder="off"></div>
    </div>
    <button id="generate-button" type="button">Generate</button>
    <pre id="output" aria-live="polite"></pre>
    <div id="generate-status" class="muted"></div>
  </section>
  <section aria-labelledby="models-title">
    <h2 id="models-title">Models</h2>
    <ul id="models"><li class="muted">loading…</li></ul>
    <label for="api-key">API key (only if the server was started with one)</label>
    <input id="api-key" type="password" autocomplete="off">
  </section>
</main>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
function headers() {
  const h = { "Content-Type": "application/json" };
  const key = $("api-key").value.trim();
  if (key) h["Authorization"] = "Bearer " + key;
  return h;
}
async function errorText(response) {
  try { const body = await response.json(); return body.error ? body.error.message : response.statusText; }
  catch (e) { return response.status + " " + response.statusText; }
}
function show(element, text, isError) {
  element.textContent = text;
  element.classList.toggle("error", !!isError);
}
async function loadModels() {
  const list = $("models");
  try {
    const response = await fetch("/v1/models", { headers: headers() });
    if (!response.ok) { list.innerHTML = ""; const li = document.createElement("li"); show(li, await errorText(response), true); list.appendChild(li); return; }
    const models = (await response.json()).models;
    list.innerHTML = "";
    for (const select of [$("classify-model"), $("generate-model")]) select.innerHTML = "";
    for (const model of models) {
      const li = document.createElement("li");
      const card = model.card || {};
      const figures = Object.entries(card.metrics || {}).slice(0, 2).map(([k, v]) => `${k} ${v}`).join(", ");
      const figure = figures ? ` — ${figures}` : "";
      li.textContent = `${model.name} (${model.kind}${model.task === "regression" ? ", ratings" : ""})${figure}`;
      list.appendChild(li);
      const option = document.createElement("option");
      option.value = model.name; option.textContent = model.name;
      (model.kind === "sentiment" ? $("classify-model") : $("generate-model")).appendChild(option);
    }
  } catch (e) { list.textContent = "could not reach the server: " + e; }
}
function showVerdict(result) {
    const label = $("label");
    if (typeof result.rating === "number") {   // a rating model (--task regression): its number, nothing else
      label.textContent = "rating " + result.rating.toFixed(1);
      label.className = "verdict";
      show($("probability"), "");
      return;
    }
    label.textContent = result.label;
    label.className = "verdict " + (/^(pos|positive|1)$/i.test(result.label) ? "pos" : /^(neg|negative|0)$/i.test(result.label) ? "neg" : "");
    show($("probability"), "probability " + result.probability.toFixed(3));
    for (const [name, p] of Object.entries(result.probabilities)) {
      const row = document.createElement("div");
      row.className = "muted";
      row.innerHTML = `<span></span><div class="bar"><span style="width:${(p * 100).toFixed(1)}%"></span></div>`;
      row.firstChild.textContent = `${name} ${p.toFixed(3)}`;
      $("probabilities").appendChild(row);
    }
}
function resetVerdict() {
  show($("label"), ""); show($("probability"), "…"); $("probabilities").innerHTML = "";
  $("explanation").hidden = true; $("explanation").textContent = ""; show($("explain-status"), "");
}
async function classify() {
  const button = $("classify-button");
  button.disabled = true;
  resetVerdict();
  try {
    const response = await fetch("/v1/classify", { method: "POST", headers: headers(),
      body: JSON.stringify({ model: $("classify-model").value || undefined, texts: [$("review").value] }) });
    if (!response.ok) { show($("probability"), await errorText(response), true); return; }
    showVerdict((await response.json()).results[0]);
  } catch (e) { show($("probability"), "request failed: " + e, true); }
  finally { button.disabled = false; }
}
// The review with each token shaded by its attribution (green for the verdict, red against it), built
// from the token offsets (code points) the server returns; the text is only ever set as textContent.
function showExplanation(text, explanation) {
  const box = $("explanation"), chars = Array.from(text);
  const largest = Math.max(1e-12, ...explanation.tokens.map((t) => Math.abs(t.attribution)));
  box.textContent = "";
  let cursor = 0;
  for (const token of explanation.tokens) {
    if (token.start == null || token.end == null || token.start < cursor) continue;
    box.append(chars.slice(cursor, token.start).join(""));
    const span = document.createElement("span");
    const strength = token.attribution / largest;
    span.className = "tok";
    span.textContent = chars.slice(token.start, token.end).join("");
    span.style.background = (strength >= 0 ? "rgba(23,128,61," : "rgba(180,35,24,") + (Math.abs(strength) * 0.8).toFixed(2) + ")";
    span.title = `${token.token}: ${token.attribution >= 0 ? "+" : ""}${token.attribution.toPrecision(3)}`;
    span.dataset.attribution = String(token.attribution);
    box.append(span);
    cursor = token.end;
  }
  box.append(chars.slice(cursor).join(""));
  box.hidden = false;
  let note = `green: for ${explanation.target}, red: against it`;
  if (explanation.method === "ig") note += ` — integrated gradients, ${explanation.steps} steps, completeness gap ${(100 * explanation.completenessGap / Math.max(1e-12, Math.abs(explanation.logitDifference))).toPrecision(2)}%`;
  if (explanation.truncatedTokens > 0) note += ` — the first ${explanation.truncatedTokens} tokens were cut`;
  show($("explain-status"), note);
}
async function explain() {
  const button = $("explain-button");
  button.disabled = true;
  resetVerdict();
  const text = $("review").value;
  try {
    const response = await fetch("/v1/explain", { method: "POST", headers: headers(),
      body: JSON.stringify({ model: $("classify-model").value || undefined, text: text }) });
    if (!response.ok) { show($("probability"), await errorText(response), true); return; }
    const body = await response.json();
    showVerdict(body);
    showExplanation(text, body.explanation);
  } catch (e) { show($("probability"), "request failed: " + e, true); }
  finally { button.disabled = false; }
}
async function generate() {
  const button = $("generate-button");
  button.disabled = true;
  const output = $("output"), status = $("generate-status");
  output.textContent = ""; show(status, "generating…");
  const body = { model: $("generate-model").value || undefined, prompt: $("prompt").value, stream: true,
                 length: parseInt($("length").value || "400", 10), temperature: parseFloat($("temperature").value || "0.8") };
  if ($("top-k").value) body.top_k = parseInt($("top-k").value, 10);
  if ($("top-p").value) body.top_p = parseFloat($("top-p").value);
  body.seed = Math.floor(Math.random() * 1e9);
  let chunks = 0;
  try {
    const response = await fetch("/v1/generate", { method: "POST", headers: headers(), body: JSON.stringify(body) });
    if (!response.ok) { show(status, await errorText(response), true); return; }
    const reader = response.body.getReader(), decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end); buffer = buffer.slice(end + 2);
        let event = "message", data = "";
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) event = line.slice(6).trim();
          else if (line.startsWith("data:")) data += line.slice(5).trim();
        }
        const payload = JSON.parse(data);
        if (event === "message") {
          const following = output.scrollTop + output.clientHeight >= output.scrollHeight - 4;
          output.append(payload.text); chunks += 1; output.dataset.chunks = String(chunks);
          if (following) output.scrollTop = output.scrollHeight;
        }
        else if (event === "done") show(status, `${payload.characters} characters in ${payload.seconds.toFixed(2)} s (${payload.stop_reason}), ${chunks} pieces`);
        else if (event === "error") show(status, payload.error.message, true);
      }
    }
  } catch (e) { show(status, "request failed: " + e, true); }
  finally { button.disabled = false; }
}
$("classify-button").addEventListener("click", classify);
$("explain-button").addEventListener("click", explain);
$("generate-button").addEventListener("click", generate);
$("review").addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); classify(); } });
for (const id of ["prompt", "length", "temperature", "top-k", "top-p"])
  $(id).addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); generate(); } });
$("api-key").addEventListener("change", loadModels);
loadModels();
</script>
</body>
</html>
"""#
}
