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

    /// Starts `loom serve --port 0 ARGS` and waits for its "listening on" line.
    func startServer(_ arguments: [String] = []) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/curl") else { throw XCTSkip("curl is not installed") }
        let running = try start(["serve", "--port", "0"] + arguments)
        server = running
        var output = Data()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let chunk = running.output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            output.append(chunk)
            let text = String(decoding: output, as: UTF8.self)
            if let range = text.range(of: #"127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                port = Int(text[range].split(separator: ":").last!)!
                return
            }
        }
        XCTFail("the server did not start: \(String(decoding: output, as: UTF8.self))")
    }

    /// curl: (status, body).
    func request(_ path: String, body: String? = nil, headers: [String] = []) throws -> (Int, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        var arguments = ["-s", "-N", "-o", "-", "-w", "\n%{http_code}", "http://127.0.0.1:\(port)\(path)"]
        if let body { arguments += ["-H", "Content-Type: application/json", "--data-binary", body] }
        for header in headers { arguments += ["-H", header] }
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
        let big = "{\"texts\": [\"" + String(repeating: "a", count: 1_100_000) + "\"]}"
        let file = try write(big, to: "big.json")
        let (status, text) = try request("/v1/classify", body: "@" + file)
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

    func testSIGTERMStopsTheServerCleanly() throws {
        try startServer()
        server!.process.terminate()
        let result = server!.finish()
        XCTAssertEqual(result.status, 0, result.stderr)
    }
}
