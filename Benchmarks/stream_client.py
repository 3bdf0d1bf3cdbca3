"""Streams generations from `loom serve` and times them: for each stream, the time from sending the request
to the first streamed character, and characters per second after it. With --streams N, N run at once (one
thread each) and the line reports each stream's rate and the total.
  python3 Benchmarks/stream_client.py --port 8080 --streams 8 --length 4000"""
import argparse, http.client, json, statistics, threading, time

def one(port, length, seed, out):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    body = json.dumps({"prompt": "ROMEO:", "length": length, "seed": seed, "stream": True})
    start = time.perf_counter()
    conn.request("POST", "/v1/generate", body=body, headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    first, chars, buffer = None, 0, b""
    while True:
        piece = response.read1(65536)
        if not piece:
            break
        buffer += piece
        while b"\n\n" in buffer:
            event, buffer = buffer.split(b"\n\n", 1)
            if event.startswith(b"data: "):
                text = json.loads(event[6:])["text"]
                if first is None:
                    first = time.perf_counter()
                chars += len(text)
    end = time.perf_counter()
    out.append({"first_ms": (first - start) * 1000, "chars": chars, "rate": chars / (end - first), "seconds": end - start})

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, default=8080)
ap.add_argument("--streams", type=int, default=1)
ap.add_argument("--length", type=int, default=4000)
ap.add_argument("--repeat", type=int, default=1)
a = ap.parse_args()
for r in range(a.repeat):
    results = []
    started = time.perf_counter()
    threads = [threading.Thread(target=one, args=(a.port, a.length, 100 * r + i, results)) for i in range(a.streams)]
    for t in threads: t.start()
    for t in threads: t.join()
    wall = time.perf_counter() - started
    rates = sorted(x["rate"] for x in results)
    print(json.dumps({"generate_streams": a.streams, "length": a.length,
                      "first_char_ms_median": round(statistics.median(x["first_ms"] for x in results), 2),
                      "first_char_ms_max": round(max(x["first_ms"] for x in results), 2),
                      "chars_per_s_per_stream_min": round(rates[0]), "chars_per_s_per_stream_max": round(rates[-1]),
                      "chars_per_s_total": round(sum(x["chars"] for x in results) / wall)}))
