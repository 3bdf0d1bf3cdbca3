#!/usr/bin/env bash
# API conformance test of `loom serve` against its own OpenAPI document (GET /openapi.json):
#   1. a few known-good requests (classify, generate as JSON and as a server-sent event stream, KServe v2
#      metadata/readiness/infer, models, metrics) must answer 200 and match the document;
#   2. schemathesis (property-based, positive and negative data, plus stateful links) over every operation.
# Both use the checks not_a_server_error, status_code_conformance, content_type_conformance,
# response_schema_conformance and response_headers_conformance: no 5xx, and every response's status, content
# type, headers and body (each SSE event too) as documented. Exits non-zero on any failure.
#
# Run from anywhere (Debian 12: needs python3-venv); takes about 30 s on 2 cores (plus the first pip install):
#   scripts/api_test.sh
# Environment: LOOM_BIN (default .build/debug/loom), LOOM_TEST_VENV (default .build/test-venv),
#   API_TEST_EXAMPLES (schemathesis examples per operation, default 100), API_TEST_SEED (default random).
set -euo pipefail
cd "$(dirname "$0")/.."
loom=${LOOM_BIN:-.build/debug/loom}
venv=${LOOM_TEST_VENV:-.build/test-venv}
[ -x "$loom" ] || { echo "FAIL: no loom binary at $loom (swift build, or set LOOM_BIN)"; exit 1; }
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check 'schemathesis>=4,<5'

# Start the server on a free port; always stop it.
. scripts/test_server.sh

checks=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
"$venv/bin/schemathesis" run --help | grep -q response_headers_conformance && checks+=,response_headers_conformance

echo "== known-good requests"
"$venv/bin/python" - "$url" "$checks" <<'EOF'
import sys, schemathesis
from schemathesis import checks as core
from schemathesis.specs.openapi import checks as openapi
url, names = sys.argv[1], sys.argv[2].split(",")
checks = [getattr(core, n, None) or getattr(openapi, n) for n in names]
schema = schemathesis.openapi.from_url(url + "/openapi.json")
review = "A wonderful, moving film with a superb cast."
cases = [
    ("GET", "/v1/models", {}, None),
    ("POST", "/v1/classify", {}, {"texts": [review, "Dull and far too long; I nearly fell asleep."]}),
    ("POST", "/v1/classify", {}, {"model": "imdb-sentiment", "texts": [review]}),
    ("POST", "/v1/explain", {}, {"text": review}),
    ("POST", "/v1/explain", {}, {"model": "imdb-sentiment", "text": review, "method": "occlusion", "target": "neg"}),
    ("POST", "/v1/explain", {}, {"text": review, "steps": 16}),
    ("POST", "/v1/generate", {}, {"prompt": "ROMEO:", "length": 80, "temperature": 0.7, "top_k": 20, "top_p": 0.9, "seed": 1}),
    ("POST", "/v1/generate", {}, {"model": "shakespeare", "prompt": "ROMEO:", "length": 120, "stop": ["\n\n"], "stream": True}),
    ("GET", "/v2/models/{name}", {"name": "imdb-sentiment"}, None),
    ("GET", "/v2/models/{name}", {"name": "shakespeare"}, None),
    ("GET", "/v2/models/{name}/ready", {"name": "shakespeare"}, None),
    ("POST", "/v2/models/{name}/infer", {"name": "imdb-sentiment"},
     {"id": "1", "inputs": [{"name": "text", "datatype": "BYTES", "shape": [2], "data": [review, "Awful."]}]}),
    ("GET", "/v2/health/ready", {}, None),
    ("GET", "/metrics", {}, None),
]
failed = 0
for method, path, parameters, body in cases:
    label = f"{method} {path.replace('{name}', parameters.get('name', ''))}" + (" (stream)" if body and body.get("stream") else "")
    case = schema[path][method].Case(path_parameters=parameters, **({"body": body} if body else {}))
    try:
        response = case.call_and_validate(checks=checks)
        assert response.status_code == 200, f"status {response.status_code}: {response.text[:300]}"
        print(f"PASS {label}")
    except (Exception, BaseExceptionGroup) as error:  # schemathesis: one group naming every failed check
        failed += 1
        print(f"FAIL {label}\n{error}")
sys.exit(1 if failed else 0)
EOF

# Random data rarely hits a loaded model or a prompt in the model's vocabulary, so feed those in often.
cat >"$tmp/schemathesis.toml" <<'EOF'
cache = { enabled = false }  # no .schemathesis/ folder in the checkout

[dictionaries]
models = { values = ["imdb-sentiment", "shakespeare"] }
sentiment = { values = ["imdb-sentiment"] }
charrnn = { values = ["shakespeare"] }
prompts = { values = ["ROMEO:", "To be, or not to be", "KING RICHARD III:\nNow is the winter"] }
one = { values = [1] }

[parameters]
"path.name" = { dictionary = "models", probability = 0.7 }

[[operations]]
include-name = "POST /v1/classify"
parameters = { "body.model" = { dictionary = "sentiment", probability = 0.6 } }

[[operations]]
include-name = "POST /v1/explain"
parameters = { "body.model" = { dictionary = "sentiment", probability = 0.6 } }

[[operations]]
include-name = "POST /v1/generate"
parameters = { "body.model" = { dictionary = "charrnn", probability = 0.6 }, "body.prompt" = { dictionary = "prompts", probability = 0.7 } }

[[operations]]
include-name = "POST /v2/models/{name}/infer"
parameters = { "path.name" = { dictionary = "sentiment", probability = 0.7 }, "body.inputs[*].shape[*]" = { dictionary = "one", probability = 0.7 } }
EOF

echo "== schemathesis ($("$venv/bin/schemathesis" --version 2>&1 | tail -1)) with $checks"
"$venv/bin/schemathesis" --config-file "$tmp/schemathesis.toml" run "$url/openapi.json" \
  --checks "$checks" --max-examples "${API_TEST_EXAMPLES:-100}" ${API_TEST_SEED:+--seed "$API_TEST_SEED"} \
  --workers 2 --request-timeout 40 --generation-database none --no-color \
  || { echo "FAIL: schemathesis found failures (server log: last lines below)"; tail -5 "$tmp/server.log"; exit 1; }
echo "PASS: API conforms to /openapi.json"
