import CLoomSystem
import Foundation

/// Writes files so that a reader finds the complete old contents or the complete new ones, whatever
/// moment the process is killed at, and a kill leaves no temporary file behind: the data goes to an
/// unnamed file in the destination's folder (Linux `O_TMPFILE`), is flushed with `fsync`, and only then
/// gets a name and is renamed over the target (`loom_write_atomic` in CLoomSystem).
///
/// ```swift
/// try AtomicFile.write(Data("hello\n".utf8), to: URL(fileURLWithPath: "notes.txt"))
/// ```
public enum AtomicFile {
    /// Writes `data` to `url` atomically. The folder must exist. An existing file keeps its permissions;
    /// a new one gets `mode` (less the umask).
    public static func write(_ data: Data, to url: URL, mode: UInt32 = 0o644) throws(FileSystemError) {
        let path = url.path
        var stage: Int32 = 0
        let code: Int32 = data.withUnsafeBytes { raw in
            loom_write_atomic(path, raw.baseAddress, raw.count, mode, &stage)
        }
        guard code != 0 else { return }
        switch UInt32(stage) {
        case LOOM_WRITE_CREATE.rawValue:
            throw FileSystemError(path: path, operation: "cannot create a temporary file in \(url.deletingLastPathComponent().path)", code: code)
        case LOOM_WRITE_DATA.rawValue:
            throw FileSystemError(path: path, operation: "cannot write the temporary file", code: code)
        default:
            throw FileSystemError(path: path, operation: "cannot rename the temporary file into place", code: code)
        }
    }

    /// As `write(_:to:)` for UTF-8 text.
    public static func write(_ text: String, to url: URL) throws(FileSystemError) {
        try write(Data(text.utf8), to: url)
    }
}
