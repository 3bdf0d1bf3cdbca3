import Foundation
import LoomText
import XCTest

/// A fresh temporary folder, removed when the test ends.
func makeTemporaryFolder(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("loom-text-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// Writes bytes to `name` inside `folder` (creating subfolders) and returns the URL.
@discardableResult
func writeFile(_ folder: URL, _ name: String, _ bytes: [UInt8]) throws -> URL {
    let url = folder.appendingPathComponent(name)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(bytes).write(to: url)
    return url
}

@discardableResult
func writeFile(_ folder: URL, _ name: String, _ text: String) throws -> URL {
    try writeFile(folder, name, Array(text.utf8))
}

/// Asserts that `body` throws exactly `expected`.
func assertThrows<T>(_ expected: TextError, file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> T) {
    do {
        _ = try body()
        XCTFail("expected \(expected), nothing thrown", file: file, line: line)
    } catch let error as TextError {
        XCTAssertEqual(error, expected, file: file, line: line)
        XCTAssertFalse(error.description.isEmpty, file: file, line: line)
    } catch {
        XCTFail("expected \(expected), got \(error)", file: file, line: line)
    }
}

/// ../shared/datasets relative to the package root, or XCTSkip when absent.
func sharedDatasets() throws -> URL {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let url = root.deletingLastPathComponent().appendingPathComponent("shared/datasets")
    guard FileManager.default.fileExists(atPath: url.path) else {
        throw XCTSkip("../shared/datasets not found: \(url.path)")
    }
    return url
}
