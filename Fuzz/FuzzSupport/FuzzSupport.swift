import Foundation
#if FUZZING
import CLibFuzzer
#endif

/// Shared pieces of Loom's fuzz targets (see `scripts/fuzz.sh` and `Fuzz/README.md`).
///
/// Each target's `main.swift` defines `LLVMFuzzerTestOneInput`, which libFuzzer calls
/// with every input when the target is built with `-DFUZZING -sanitize=fuzzer,address`.
/// Built normally (no `FUZZING`), the same file has a `main` that replays the files and
/// folders named on the command line through the same function: `replay(arguments:_:)`.
public enum Fuzz {
    /// Replays every file named in `arguments` (folders: every file inside, sorted) through
    /// `body`; prints how many inputs ran. Returns the process exit status (0, or 2 when a
    /// path cannot be read).
    public static func replay(arguments: [String], _ body: ([UInt8]) -> Void) -> Int32 {
        var paths: [String] = []
        for argument in arguments.dropFirst() {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: argument, isDirectory: &isFolder) else {
                FileHandle.standardError.write(Data("no such file: \(argument)\n".utf8))
                return 2
            }
            if isFolder.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: argument)) ?? []
                paths += names.filter { !$0.hasPrefix(".") }.sorted().map { argument + "/" + $0 }
            } else {
                paths.append(argument)
            }
        }
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else { continue }  // a subfolder
            body([UInt8](data))
        }
        print("replayed \(paths.count) inputs")
        return 0
    }

    /// A folder private to this process for temporary files, created once.
    public static let scratch: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("loom-fuzz-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// Writes `bytes` to `name` inside `scratch` (creating subfolders) and returns its URL.
    @discardableResult
    public static func write<Bytes: Collection<UInt8>>(_ bytes: Bytes, to name: String, in folder: URL = scratch) -> URL {
        let url = folder.appendingPathComponent(name)
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: url.path, contents: Data(bytes))
        return url
    }

    /// Removes `url` and everything below it.
    public static func remove(_ url: URL) { try? FileManager.default.removeItem(at: url) }

    /// Stops with a message that libFuzzer (and the replay) reports as a crash: for broken
    /// invariants, as opposed to errors the input deserves.
    public static func fail(_ message: @autoclosure () -> String, file: StaticString = #file, line: UInt = #line) -> Never {
        fatalError("fuzz invariant broken: " + message(), file: file, line: line)
    }
}

#if FUZZING
extension Fuzz {
    /// Runs libFuzzer's driver with the process's arguments and `callback` (each target's
    /// `LLVMFuzzerTestOneInput`), then exits with its status.
    public static func runLibFuzzer(_ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, callback))
    }
}
#endif
