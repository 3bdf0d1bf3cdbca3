import Foundation
import LoomSystem

/// LoomText's door to `LoomSystem.AtomicFile`: creates missing parent folders and reports failures as
/// `TextError.writeFailed`, so vocabulary writers keep one error type.
enum AtomicFile {
    /// Writes `data` to `url` atomically (see `LoomSystem.AtomicFile`), creating missing parent folders.
    static func write(_ data: Data, to url: URL) throws {
        let folder = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw TextError.writeFailed(path: url.path, reason: "cannot create folder \(folder.path): \(reason(error))")
        }
        do {
            try LoomSystem.AtomicFile.write(data, to: url)
        } catch {
            throw TextError.writeFailed(path: url.path, reason: error.reason)
        }
    }

    static func reason(_ error: Error) -> String {
        if let error = error as? FileSystemError { return error.reason }
        return (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
    }
}
