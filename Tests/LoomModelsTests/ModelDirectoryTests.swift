import XCTest
@testable import LoomModels

final class ModelDirectoryTests: XCTestCase {
    var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("loom-dir-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: root)
    }

    func testReplaceSwapsInAWholeFolderAndLeavesNoStaging() throws {
        let directory = ModelDirectory(root.appendingPathComponent("model"))
        try directory.replace { staging in try Data("one".utf8).write(to: staging.file("a.txt")) }
        try directory.replace { staging in try Data("two".utf8).write(to: staging.file("b.txt")) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.file("a.txt").path), "old files go with the old folder")
        XCTAssertEqual(try String(contentsOf: directory.file("b.txt"), encoding: .utf8), "two")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root.path), ["model"])
    }

    func testAFailedWriteKeepsTheOldModel() throws {
        struct Interrupted: Error {}
        let directory = ModelDirectory(root.appendingPathComponent("model"))
        try directory.replace { staging in try Data("good".utf8).write(to: staging.file("weights")) }
        XCTAssertThrowsError(try directory.replace { staging in
            try Data("half".utf8).write(to: staging.file("weights"))
            throw Interrupted()
        })
        XCTAssertEqual(try String(contentsOf: directory.file("weights"), encoding: .utf8), "good")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root.path), ["model"])
    }

    func testConfigHeaderRejectsNewerFormatAndOtherKinds() throws {
        let directory = ModelDirectory(root.appendingPathComponent("model"))
        try directory.replace { staging in
            try Data(#"{"kind": "sentiment", "formatVersion": 99}"#.utf8).write(to: staging.configURL)
        }
        XCTAssertThrowsError(try directory.checkConfigHeader(expectedKind: "sentiment", supportedVersion: 1)) { error in
            XCTAssertEqual(error as? ModelError, .newerFormat(directory.configURL, found: 99, supported: 1))
            XCTAssertTrue("\(error)".contains("newer Loom"))
        }
        XCTAssertThrowsError(try directory.checkConfigHeader(expectedKind: "charrnn", supportedVersion: 99)) { error in
            XCTAssertEqual(error as? ModelError, .wrongModelKind(directory.url, found: "sentiment", expected: "charrnn"))
        }
        try Data("{not json".utf8).write(to: directory.configURL)
        XCTAssertThrowsError(try directory.checkConfigHeader(expectedKind: "sentiment", supportedVersion: 1)) { error in
            guard case .corruptFile(let url, _) = error as? ModelError else { return XCTFail("\(error)") }
            XCTAssertEqual(url, directory.configURL)
        }
    }

    func testMissingFolderAndFilesAreNamed() {
        let directory = ModelDirectory(root.appendingPathComponent("absent"))
        XCTAssertThrowsError(try directory.requireFiles(["config.json"])) { error in
            XCTAssertEqual(error as? ModelError, .missingModel(directory.url))
        }
    }
}
