import Foundation

/// Writes files so that readers never see half-written content: the data goes to a
/// temporary file in the destination's folder, which is then renamed over the target.
public enum AtomicFile {
    /// Writes `data` to `url` atomically, creating missing parent folders.
    public static func write(_ data: Data, to url: URL) throws {
        let path = url.path
        let folder = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw TextError.writeFailed(path: path, reason: "cannot create folder \(folder.path): \(reason(error))")
        }
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).\(UUID().uuidString).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: data) else {
            throw TextError.writeFailed(path: path, reason: "cannot create a temporary file in \(folder.path)")
        }
        if rename(temporary.path, path) != 0 {
            let message = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw TextError.writeFailed(path: path, reason: message)
        }
    }

    static func reason(_ error: Error) -> String {
        (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
    }
}
