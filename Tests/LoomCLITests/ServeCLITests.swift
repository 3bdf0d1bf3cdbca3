import Foundation
import XCTest

/// `loom serve` as a client meets it: the built binary on a free loopback port, called with curl.
final class ServeCLITests: CLITestCase {
    var server: Running?
    var port = 0

    override func tearDownWithError() throws {
        if let server, server.process.isRunning { server.process.terminate(); server.process.waitUntilExit() }
        try super.tearDownWithError()
    }

    /// Everything the server wrote to stdout and stderr so far (drained on threads, so it never blocks).
    final class Log: @unchecked Sendable {
        private let lock = NSLock()
        private var data = Data()
        func append(_ chunk: Data) { lock.lock(); data.append(chunk); lock.unlock() }
        var text: String { lock.lock(); defer { lock.unlock() }; return String(decoding: data, as: UTF8.self) }
    }
    var log = Log()

    /// Starts `loom serve --port 0 ARGS` and waits for its "listening on" line.
    func startServer(_ arguments: [String] = []) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/curl") else { throw XCTSkip("curl is not installed") }
        let running = try start(["serve", "--port", "0"] + arguments)
        server = running
        let log = Log()
        self.log = log
        for pipe in [running.output, running.error] {
            Thread {
                while true {
                    let chunk = pipe.fileHandleForReading.availableData
                    if chunk.isEmpty { break }
                    log.append(chunk)
                }
            }.start()
        }
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline && running.process.isRunning {
            if let range = log.text.range(of: #"listening on http://127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                port = Int(log.text[range].split(separator: ":").last!)!
                return
            }
            usleep(20_000)
        }
        XCTFail("the server did not start: \(log.text)")
    }

    /// Sends `count` POSTs of `body` to `path` at once (curl --parallel, one connection each, each answer in a
    /// file of its own) and returns each answer's status, Retry-After header and body.
    func requestMany(_ path: String, body: String, count: Int) throws -> [(status: Int, retryAfter: String, body: String)] {
        let file = try write(body, to: "parallel-body.json")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-s", "-Z", "--parallel-max", String(count), "-H", "Content-Type: application/json",
                             "--data-binary", "@" + file, "-o", scratch.appendingPathComponent("answer-#1.txt").path,
                             "-w", "%{http_code} %{filename_effective} %header{retry-after}\n",
                             "http://127.0.0.1:\(port)\(path)?n=[1-\(count)]"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return try String(decoding: data, as: UTF8.self).split(separator: "\n").map { line in
            let parts = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            let body = try String(contentsOfFile: parts[1], encoding: .utf8)
            return (Int(parts[0]) ?? 0, parts.count > 2 ? parts[2] : "", body)
        }
    }

    /// curl: (status, body).
    func request(_ path: String, body: String? = nil, headers: [String] = [], method: String? = nil) throws -> (Int, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        var arguments = ["-s", "-N", "-o", "-", "-w", "\n%{http_code}", "http://127.0.0.1:\(port)\(path)"]
        if let body { arguments += ["-H", "Content-Type: application/json", "--data-binary", body] }
        for header in headers { arguments += ["-H", header] }
        if let method { arguments += ["-X", method] }
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        var text = String(decoding: data, as: UTF8.self)
        let status = Int(text.split(separator: "\n").last ?? "") ?? 0
        if let newline = text.lastIndex(of: "\n") { text = String(text[..<newline]) }
        return (status, text)
    }

    func object(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
    }

    func testClassifyGenerateKServeAndModels() throws {
        try startServer()
        var (status, body) = try request("/v2/health/live")
        XCTAssertEqual(status, 200)
        (status, body) = try request("/v1/classify", body: #"{"texts": ["A wonderful, moving film.", "Dull, boring and far too long."]}"#)
        XCTAssertEqual(status, 200, body)
        let results = object(body)["results"] as? [[String: Any]] ?? []
        XCTAssertEqual(results.map { $0["label"] as? String }, ["pos", "neg"], body)
        XCTAssertEqual(object(body)["model"] as? String, "imdb-sentiment")

        (status, body) = try request("/v2/models/imdb-sentiment/infer",
                                     body: #"{"inputs": [{"name": "text", "datatype": "BYTES", "shape": [1], "data": ["A wonderful, moving film."]}]}"#)
        XCTAssertEqual(status, 200, body)
        let outputs = object(body)["outputs"] as? [[String: Any]] ?? []
        XCTAssertEqual(outputs.first?["data"] as? [String], ["pos"], body)
        (status, _) = try request("/v2/models/imdb-sentiment/ready")
        XCTAssertEqual(status, 200)

        (status, body) = try request("/v1/generate", body: #"{"prompt": "ROMEO:", "length": 50, "seed": 3}"#)
        XCTAssertEqual(status, 200, body)
        let text = object(body)["text"] as? String ?? ""
        XCTAssertEqual(text.count, 50, body)
        // The same seed streams the same text, in several events, then a final one with the totals.
        (status, body) = try request("/v1/generate", body: #"{"prompt": "ROMEO:", "length": 50, "seed": 3, "stream": true}"#)
        XCTAssertEqual(status, 200, body)
        let events = body.components(separatedBy: "\n\n").filter { $0.hasPrefix("data: ") }
        XCTAssertGreaterThan(events.count, 2, body)
        let streamed = events.compactMap { object(String($0.dropFirst(6)))["text"] as? String }.joined()
        XCTAssertEqual(streamed, text)
        XCTAssertTrue(body.contains("event: done"), body)

        (status, body) = try request("/v1/models")
        XCTAssertEqual(status, 200)
        XCTAssertEqual((object(body)["models"] as? [[String: Any]])?.compactMap { $0["name"] as? String }, ["imdb-sentiment", "shakespeare"])
    }

    func testErrorsAreJSONWithTheRightStatus() throws {
        try startServer(["--max-texts", "2"])
        let cases: [(String, String?, Int, String)] = [
            ("/v1/classify", "{not json", 400, "invalid_json"),
            ("/v1/classify", #"{"texts": "one"}"#, 400, "invalid_json"),
            ("/v1/classify", #"{"texts": []}"#, 400, "invalid_request"),
            ("/v1/classify", #"{"texts": ["a", "b", "c"]}"#, 413, "too_large"),
            ("/v1/classify", #"{"model": "nope", "texts": ["a"]}"#, 404, "model_not_found"),
            ("/v1/classify", #"{"model": "../../etc", "texts": ["a"]}"#, 404, "model_not_found"),
            ("/v1/generate", #"{"prompt": "ROMEO:", "length": -1}"#, 400, "invalid_request"),
            ("/v1/generate", #"{"prompt": "ROMEO:", "length": 100000000}"#, 400, "invalid_request"),
            ("/v1/generate", #"{"prompt": "ROMEO:", "top_p": 2}"#, 400, "invalid_request"),
            ("/v1/generate", #"{"prompt": "ROMEO:", "temperature": -1}"#, 400, "invalid_request"),
            ("/v1/generate", #"{"prompt": "ROMEO: ☃"}"#, 400, "invalid_request"),
            ("/v1/generate", #"{"prompt": "ROMEO:", "temperature": 1e39}"#, 400, "invalid_request"),
            ("/v1/generate", #"{"prompt": "ROMEO:", "top_k": 1.5}"#, 400, "invalid_json"),
            ("/v1/generate", #"{"prompt": "ROMEO:", "stop": 3}"#, 400, "invalid_json"),
            ("/v1/explain", #"{"text": ""}"#, 400, "invalid_request"),
            ("/v1/explain", #"{"text": "<br /><br />"}"#, 400, "invalid_request"),
            ("/v1/explain", #"{"text": "good", "method": "lime"}"#, 400, "invalid_request"),
            ("/v1/explain", #"{"text": "good", "method": "attention"}"#, 400, "invalid_request"),
            ("/v1/explain", #"{"text": "good", "steps": 0}"#, 400, "invalid_request"),
            ("/v1/explain", #"{"text": "good", "steps": 100000}"#, 400, "invalid_request"),
            ("/v1/explain", #"{"text": "good", "target": "meh"}"#, 400, "invalid_request"),
            ("/v1/explain", #"{"text": "good", "model": "shakespeare"}"#, 404, "model_not_found"),
            ("/v1/explain", #"{"texts": ["good"]}"#, 400, "invalid_json"),
            ("/v2/models/nope", nil, 404, "model_not_found"),
            ("/no/such/route", nil, 404, "not_found"),
        ]
        for (path, body, expected, code) in cases {
            let (status, text) = try request(path, body: body)
            XCTAssertEqual(status, expected, "\(path) \(body ?? ""): \(text)")
            let error = object(text)["error"] as? [String: Any]
            XCTAssertEqual(error?["code"] as? String, code, "\(path) \(body ?? ""): \(text)")
            XCTAssertFalse((error?["message"] as? String ?? "").isEmpty)
        }
        // A known path with a method it does not take: 405 naming the right one.
        var (status, text) = try request("/v1/classify", method: "DELETE")
        XCTAssertEqual(status, 405, text)
        XCTAssertEqual((object(text)["error"] as? [String: Any])?["code"] as? String, "method_not_allowed", text)
        XCTAssertEqual(try requestHeaders("/metrics", headers: [], method: "POST").1.lowercased().contains("allow: get"), true)
        // Path names are percent-decoded.
        XCTAssertEqual(try request("/v2/models/imdb%2Dsentiment/ready").0, 200)
        let big = "{\"texts\": [\"" + String(repeating: "a", count: 1_100_000) + "\"]}"
        let file = try write(big, to: "big.json")
        (status, text) = try request("/v1/classify", body: "@" + file)
        XCTAssertEqual(status, 413, text)
        XCTAssertTrue(server!.process.isRunning, "no request may take the server down")
    }

    func testAPIKeyGuardsEverythingButHealth() throws {
        try startServer(["--api-key", "s3cret"])
        XCTAssertEqual(try request("/v2/health/ready").0, 200)
        XCTAssertEqual(try request("/v1/models").0, 401)
        XCTAssertEqual(try request("/v1/models", headers: ["Authorization: Bearer wrong"]).0, 401)
        XCTAssertEqual(try request("/v1/models", headers: ["Authorization: Bearer s3cret"]).0, 200)
        let (status, body) = try request("/v1/classify", body: #"{"texts": ["fine"]}"#)
        XCTAssertEqual(status, 401)
        XCTAssertEqual((object(body)["error"] as? [String: Any])?["code"] as? String, "unauthorized")
    }

    func testConcurrentRequestsAreBatchedAndEachGetsItsOwnAnswer() throws {
        try startServer(["--batch-wait-ms", "20"])
        let positive = #"{"texts": ["A wonderful, moving film with a superb cast; I loved every minute of it."]}"#
        let answers = try requestMany("/v1/classify", body: positive, count: 24)
        XCTAssertEqual(answers.count, 24)
        for answer in answers {
            XCTAssertEqual(answer.status, 200, answer.body)
            let result = (object(answer.body)["results"] as? [[String: Any]])?.first
            XCTAssertEqual(result?["label"] as? String, "pos", answer.body)
        }
        // Every text went through exactly one batch; how many batches depends on timing (the batching
        // rules themselves are tested in LoomServerTests).
        let (_, metrics) = try request("/metrics")
        XCTAssertTrue(metrics.contains("loom_classify_batch_texts_sum 24.0"), metrics)
        XCTAssertTrue(metrics.contains(#"loom_http_requests_total{endpoint="/v1/classify",status="200"} 24"#), metrics)
        XCTAssertTrue(metrics.contains("loom_http_request_duration_seconds_bucket"), metrics)
        // The log has one line per request with its id and route, and no text.
        usleep(200_000)
        XCTAssertTrue(log.text.contains("hb.request.id="), log.text)
        XCTAssertTrue(log.text.contains("route=/v1/classify"), log.text)
        XCTAssertFalse(log.text.contains("superb cast"), "texts are logged only with --log-texts")
    }

    func testAFullQueueAnswers503WithRetryAfterAndTheServerRecovers() throws {
        try startServer(["--classify-workers", "1", "--max-texts", "1", "--max-queue", "1"])
        // Long texts (tokenizing each takes milliseconds) sent at once: with room for one waiting text,
        // most are refused at once, the rest answered.
        let review = String(repeating: "A wonderful, moving film with a superb cast. ", count: 2000)
        let answers = try requestMany("/v1/classify", body: "{\"texts\": [\"\(review)\"]}", count: 32)
        assertSomeAnsweredAndTheRestRefusedAsOverloaded(answers, count: 32, because: "a queue of one text never filled")
        XCTAssertEqual(try request("/v1/classify", body: #"{"texts": ["Dull."]}"#).0, 200)
    }

    /// Every one of `count` answers is a 200 or a 503 `overloaded` with `Retry-After: 1`, and there are both.
    func assertSomeAnsweredAndTheRestRefusedAsOverloaded(_ answers: [(status: Int, retryAfter: String, body: String)], count: Int,
                                                         because reason: String, line: UInt = #line) {
        XCTAssertEqual(answers.count, count, line: line)
        XCTAssertEqual(Set(answers.map(\.status)).subtracting([200, 503]), [], "\(answers.map(\.status))", line: line)
        let refused = answers.filter { $0.status == 503 }
        XCTAssertGreaterThan(refused.count, 0, reason, line: line)
        XCTAssertGreaterThan(answers.count - refused.count, 0, "none was answered", line: line)
        for answer in refused {
            XCTAssertEqual(answer.retryAfter, "1", line: line)
            XCTAssertEqual((object(answer.body)["error"] as? [String: Any])?["code"] as? String, "overloaded", answer.body, line: line)
        }
    }

    /// A rating model (`--task regression`) is served too: each text gets its rating (the same number as
    /// `loom classify`), in the JSON API and KServe v2 alike; explaining one is a clear 400.
    func testARatingModelAnswersWithRatings() throws {
        let model = path("stars")
        let trained = try loom(smallRatingModelArguments(data: try writeRatings(), out: model))
        XCTAssertEqual(trained.status, 0, trained.stderr)
        try startServer(["--model", "stars=" + model])
        let texts = ["great great great movie here", "awful awful awful movie here"]
        var (status, body) = try request("/v1/classify", body: #"{"texts": ["great great great movie here", "awful awful awful movie here"]}"#)
        XCTAssertEqual(status, 200, body)
        let results = try XCTUnwrap(object(body)["results"] as? [[String: Any]], body)
        let ratings = results.compactMap { $0["rating"] as? Double }
        XCTAssertEqual(ratings.count, 2, body)
        XCTAssertTrue(results.allSatisfy { $0["label"] == nil && $0["probabilities"] == nil }, "a rating has no classes: \(body)")
        XCTAssertGreaterThan(ratings[0], ratings[1], "three 'great' rate above three 'awful'")
        let cli = try loom(["classify", "--model", model, "--json"], stdin: texts.joined(separator: "\n") + "\n")
        let cliRatings = cli.stdout.split(separator: "\n").compactMap { object(String($0))["rating"] as? Double }
        XCTAssertEqual(cliRatings.count, 2, cli.stdout + cli.stderr)
        for (served, printed) in zip(ratings, cliRatings) { XCTAssertEqual(served, printed, accuracy: 1e-5) }

        (status, body) = try request("/v2/models/stars/infer",
                                     body: #"{"inputs": [{"name": "text", "datatype": "BYTES", "shape": [2], "data": ["great great great movie here", "awful awful awful movie here"]}]}"#)
        XCTAssertEqual(status, 200, body)
        let outputs = try XCTUnwrap(object(body)["outputs"] as? [[String: Any]], body)
        XCTAssertEqual(outputs.map { $0["name"] as? String }, ["rating"])
        XCTAssertEqual(outputs.first?["datatype"] as? String, "FP32")
        for (served, v2) in zip(ratings, outputs.first?["data"] as? [Double] ?? []) { XCTAssertEqual(served, v2, accuracy: 1e-5) }
        (status, body) = try request("/v2/models/stars")
        XCTAssertEqual(status, 200, body)
        XCTAssertEqual((object(body)["outputs"] as? [[String: Any]])?.map { $0["name"] as? String }, ["rating"], body)
        (status, body) = try request("/v1/models")
        XCTAssertEqual((object(body)["models"] as? [[String: Any]])?.first?["task"] as? String, "regression", body)

        (status, body) = try request("/v1/explain", body: #"{"text": "great movie here"}"#)
        XCTAssertEqual(status, 400, body)
        XCTAssertEqual((object(body)["error"] as? [String: Any])?["code"] as? String, "invalid_request", body)
        XCTAssertTrue(body.contains("predicts a rating"), body)
    }

    func testExplanationsBeyondTheirQueueAnswer503AtOnce() throws {
        let refusedOption = try loom(["serve", "--port", "0", "--max-explanations", "0"])
        XCTAssertEqual(refusedOption.status, 64, refusedOption.stderr)
        XCTAssertTrue(refusedOption.stderr.contains("--max-explanations"), refusedOption.stderr)
        try startServer(["--max-explanations", "1"])
        // Explanations run one at a time; with room for one, those that arrive while one runs are refused
        // at once. A 150-token review at 128 fixed steps keeps one running for far longer than curl's start.
        let review = String(repeating: "A wonderful, moving film with a superb cast, dull in the middle. ", count: 12)
        let answers = try requestMany("/v1/explain", body: "{\"text\": \"\(review)\", \"steps\": 128}", count: 6)
        assertSomeAnsweredAndTheRestRefusedAsOverloaded(answers, count: 6, because: "six explanations at once fit a queue of one")
        XCTAssertEqual(try request("/v1/explain", body: #"{"text": "Dull."}"#).0, 200, "the queue drains and admits again")
    }

    func testStopTextsEndTheTextAndStreamsHoldBackTheirStart() throws {
        try startServer()
        var (status, body) = try request("/v1/generate", body: #"{"prompt": "ROMEO:", "length": 400, "seed": 7}"#)
        XCTAssertEqual(status, 200, body)
        let full = object(body)["text"] as? String ?? ""
        guard let range = full.range(of: "the") else { return XCTFail("no 'the' in \(full)") }
        let expected = String(full[..<range.lowerBound])
        (status, body) = try request("/v1/generate", body: #"{"prompt": "ROMEO:", "length": 400, "seed": 7, "stop": ["the", "zzzz"]}"#)
        XCTAssertEqual(status, 200, body)
        XCTAssertEqual(object(body)["text"] as? String, expected)
        XCTAssertEqual(object(body)["stop_reason"] as? String, "stop")
        (status, body) = try request("/v1/generate", body: #"{"prompt": "ROMEO:", "length": 400, "seed": 7, "stop": "the", "stream": true}"#)
        let events = body.components(separatedBy: "\n\n").filter { $0.hasPrefix("data: ") }
        XCTAssertEqual(events.compactMap { object(String($0.dropFirst(6)))["text"] as? String }.joined(), expected, body)
        XCTAssertTrue(body.contains(#""stop_reason":"stop""#), body)
        (status, body) = try request("/v1/generate", body: #"{"prompt": "ROMEO:", "stop": [""]}"#)
        XCTAssertEqual(status, 400, body)
    }

    func testConcurrentStreamsEachGiveTheTextOfTheirSeed() throws {
        try startServer(["--generation-threads", "2"])
        let request1 = #"{"prompt": "KING:", "length": 600, "seed": 11}"#
        let (_, single) = try request("/v1/generate", body: request1)
        let expected = object(single)["text"] as? String
        XCTAssertEqual(expected?.count, 600)
        let streams = try requestMany("/v1/generate", body: #"{"prompt": "KING:", "length": 600, "seed": 11, "stream": true}"#, count: 6)
        XCTAssertEqual(streams.count, 6)
        for stream in streams {
            XCTAssertEqual(stream.status, 200)
            let events = stream.body.components(separatedBy: "\n\n").filter { $0.hasPrefix("data: ") }
            XCTAssertEqual(events.compactMap { object(String($0.dropFirst(6)))["text"] as? String }.joined(), expected)
        }
    }

    func testMetricsOpenAPIAndPlayground() throws {
        try startServer()
        var (status, body) = try request("/openapi.json")
        XCTAssertEqual(status, 200)
        let paths = (object(body)["paths"] as? [String: Any])?.keys.sorted() ?? []
        XCTAssertEqual(paths, ["/metrics", "/v1/classify", "/v1/explain", "/v1/generate", "/v1/models", "/v2/health/live", "/v2/health/ready",
                               "/v2/models/{name}", "/v2/models/{name}/infer", "/v2/models/{name}/ready"])
        XCTAssertEqual(object(body)["openapi"] as? String, "3.1.0")
        (status, body) = try request("/")
        XCTAssertEqual(status, 200)
        XCTAssertTrue(body.contains("<title>Loom playground</title>"))
        XCTAssertFalse(body.contains("http://") || body.contains("https://"), "the page must work offline: no external resources")
        (status, body) = try request("/metrics")
        XCTAssertEqual(status, 200)
        XCTAssertTrue(body.contains("# TYPE loom_http_requests_total counter"), body)
        XCTAssertTrue(body.contains(#"endpoint="/openapi.json""#), body)
        // Random paths are counted under one label, not one each.
        _ = try request("/random/a1"); _ = try request("/random/b2")
        (_, body) = try request("/metrics")
        XCTAssertTrue(body.contains(#"loom_http_requests_total{endpoint="other",status="404"} 2"#), body)
        XCTAssertFalse(body.contains("random"))
    }

    func testCORSOnlyWhenAsked() throws {
        try startServer()
        let (_, plain) = try requestHeaders("/v1/models", headers: ["Origin: https://app.example.com"])
        XCTAssertFalse(plain.lowercased().contains("access-control-allow-origin"), plain)
        server!.process.terminate(); server!.process.waitUntilExit()
        try startServer(["--cors", "https://app.example.com"])
        let (_, allowed) = try requestHeaders("/v1/models", headers: ["Origin: https://app.example.com"])
        XCTAssertTrue(allowed.lowercased().contains("access-control-allow-origin: https://app.example.com"), allowed)
    }

    /// curl -i: (status, headers).
    func requestHeaders(_ path: String, headers: [String], method: String = "GET") throws -> (Int, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-s", "-D", "-", "-o", "/dev/null", "-X", method, "http://127.0.0.1:\(port)\(path)"] + headers.flatMap { ["-H", $0] }
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (Int(text.split(separator: " ").dropFirst().first ?? "") ?? 0, text)
    }

    func testSIGTERMLetsInFlightRequestsFinishThenExitsZero() throws {
        try startServer(["--generation-threads", "1"])
        final class Answer: @unchecked Sendable { var status = 0; var body = "" }
        let answer = Answer()
        let done = DispatchSemaphore(value: 0)
        Thread { [self] in
            if let (status, body) = try? request("/v1/generate", body: #"{"prompt": "ROMEO:", "length": 3000}"#) {
                (answer.status, answer.body) = (status, body)
            }
            done.signal()
        }.start()
        // Wait until the generation has started, then ask the server to stop.
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let (_, metrics) = try request("/metrics")
            if metrics.contains("loom_generations_active 1") { break }
            usleep(10_000)
        }
        server!.process.terminate()
        server!.process.waitUntilExit()
        done.wait()
        XCTAssertEqual(server!.process.terminationStatus, 0, log.text)
        XCTAssertEqual(answer.status, 200, answer.body)
        XCTAssertEqual((object(answer.body)["text"] as? String)?.count, 3000, "the request in flight was cut short")
    }
}
