import Foundation
import LoomSystem
import XCTest

final class FileSafetyTests: XCTestCase {
    private func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("loom-system-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testAtomicWriteReplacesContentsKeepsModeAndLeavesNoTemporaryFile() throws {
        let folder = try temporaryFolder()
        let file = folder.appendingPathComponent("notes.txt")
        try AtomicFile.write("old\n", to: file)
        XCTAssertEqual(chmod(file.path, 0o600), 0)
        try AtomicFile.write("new\n", to: file)
        XCTAssertEqual(try String(contentsOf: file, encoding: .utf8), "new\n")
        let mode = (try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? NSNumber)?.intValue
        XCTAssertEqual(mode, 0o600)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["notes.txt"])
    }

    func testAtomicWriteFailuresNameTheStepAndLeaveNothing() throws {
        let folder = try temporaryFolder()
        let blocked = folder.appendingPathComponent("blocked")
        try FileManager.default.createDirectory(at: blocked.appendingPathComponent("inside"), withIntermediateDirectories: true)
        XCTAssertThrowsError(try AtomicFile.write("x", to: blocked)) { error in
            let failure = error as? FileSystemError
            XCTAssertEqual(failure?.operation, "cannot rename the temporary file into place")
        }
        XCTAssertThrowsError(try AtomicFile.write("x", to: folder.appendingPathComponent("missing/file.txt"))) { error in
            XCTAssertEqual((error as? FileSystemError)?.code, ENOENT)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["blocked"])
    }

    func testExchangeSwapsTwoFoldersAndNoReplaceRefuses() throws {
        let folder = try temporaryFolder()
        let a = folder.appendingPathComponent("a"), b = folder.appendingPathComponent("b")
        try FileManager.default.createDirectory(at: a, withIntermediateDirectories: false)
        try FileManager.default.createDirectory(at: b, withIntermediateDirectories: false)
        try AtomicFile.write("A", to: a.appendingPathComponent("f"))
        try AtomicFile.write("B", to: b.appendingPathComponent("f"))
        try FolderOperations.exchange(a, b)
        XCTAssertEqual(try String(contentsOf: a.appendingPathComponent("f"), encoding: .utf8), "B")
        XCTAssertEqual(try String(contentsOf: b.appendingPathComponent("f"), encoding: .utf8), "A")
        XCTAssertThrowsError(try FolderOperations.renameWithoutReplacing(a, to: b)) { error in
            XCTAssertEqual((error as? FileSystemError)?.code, EEXIST)
        }
        XCTAssertEqual(try String(contentsOf: b.appendingPathComponent("f"), encoding: .utf8), "A")
    }

    func testSnapshotReadsFilesOfTheFolderItOpenedEvenAfterASwap() throws {
        let folder = try temporaryFolder()
        let model = folder.appendingPathComponent("model"), other = folder.appendingPathComponent("other")
        try FileManager.default.createDirectory(at: model, withIntermediateDirectories: false)
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: false)
        try AtomicFile.write("1", to: model.appendingPathComponent("config.json"))
        try AtomicFile.write("2", to: other.appendingPathComponent("config.json"))
        let files = try FolderSnapshot.read(["config.json", "absent"], in: model, limit: 100)
        XCTAssertEqual(files["config.json"], Data("1".utf8))
        XCTAssertNil(files["absent"])
        XCTAssertThrowsError(try FolderSnapshot.read(["config.json"], in: model, limit: 0)) { error in
            XCTAssertEqual((error as? FileSystemError)?.code, EFBIG)
        }
    }

    func testReadsDevNullFIFOsAndProcessSubstitutionLikePaths() throws {
        XCTAssertEqual(try FolderSnapshot.readFile(URL(fileURLWithPath: "/dev/null"), limit: 10), Data())
        let folder = try temporaryFolder()
        let fifo = folder.appendingPathComponent("pipe")
        XCTAssertEqual(mkfifo(fifo.path, 0o600), 0)
        let writer = Thread {
            if let handle = FileHandle(forWritingAtPath: fifo.path) {
                handle.write(Data("through a pipe\n".utf8))
                handle.closeFile()
            }
        }
        writer.start()
        XCTAssertEqual(try FolderSnapshot.readFile(fifo, limit: 1000), Data("through a pipe\n".utf8))
        // /dev/fd/N, the path bash gives `<(cmd)`.
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        _ = "piped".withCString { write(fds[1], $0, 5) }
        close(fds[1])
        XCTAssertEqual(try FolderSnapshot.readFile(URL(fileURLWithPath: "/dev/fd/\(fds[0])"), limit: 100), Data("piped".utf8))
        close(fds[0])
    }

    func testInterruptionRecordsTheFirstSignalThenStopsCatching() throws {
        Interruption.reset()
        XCTAssertNil(Interruption.requestedSignal)
        XCTAssertEqual(Interruption.exitStatus(for: SIGINT), 130)
        raise(SIGTERM)
        XCTAssertEqual(Interruption.requestedSignal, SIGTERM)
        var action = sigaction()
        sigaction(SIGTERM, nil, &action)
        XCTAssertEqual(unsafeBitCast(action.__sigaction_handler.sa_handler, to: Int.self), unsafeBitCast(SIG_DFL, to: Int.self),
                       "a second SIGTERM must end the process")
        Interruption.reset()
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
