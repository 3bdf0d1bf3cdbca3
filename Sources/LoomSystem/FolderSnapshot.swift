import CLoomSystem
import Foundation

/// Reads several files of one folder as they stood together: the folder is opened once and every file
/// is read relative to that open folder, so a writer swapping a new folder into the same path meanwhile
/// cannot hand the reader the old config with the new weights. Regular files, FIFOs and `/dev/…`
/// devices are read alike (to their end).
///
/// ```swift
/// let files = try FolderSnapshot.read(["config.json", "vocab.txt"], in: folder, limit: 1 << 30)
/// ```
public enum FolderSnapshot {
    /// The bytes of each named file that exists, by name; names that are missing are absent from the
    /// result. Files larger than `limit` bytes fail with `EFBIG`; a missing folder with `ENOENT`; with
    /// `regularOnly`, a FIFO, device or socket with `EINVAL` (model files must be plain files).
    public static func read(_ names: [String], in folder: URL, limit: Int,
                            regularOnly: Bool = true) throws(FileSystemError) -> [String: Data] {
        let fd = loom_open_folder(folder.path)
        if fd < 0 { throw FileSystemError(path: folder.path, operation: "cannot open folder", code: -fd) }
        defer { _ = loom_close(fd) }
        var out: [String: Data] = [:]
        for name in names {
            var bytes: UnsafeMutableRawPointer? = nil
            var size = 0
            let code = loom_read_at(fd, name, max(limit, 0), regularOnly ? 1 : 0, &bytes, &size)
            if code == ENOENT { continue }
            if code == EINVAL {
                throw FileSystemError(path: folder.appendingPathComponent(name).path, operation: "not a regular file", code: code)
            }
            if code != 0 {
                throw FileSystemError(path: folder.appendingPathComponent(name).path, operation: "cannot read", code: code)
            }
            if let bytes {
                out[name] = Data(bytesNoCopy: bytes, count: size, deallocator: .free)
            } else {
                out[name] = Data()
            }
        }
        return out
    }

    /// The whole contents of one file, at most `limit` bytes; FIFOs and devices (`/dev/stdin`, `<(cmd)`)
    /// too unless `regularOnly`.
    public static func readFile(_ url: URL, limit: Int, regularOnly: Bool = false) throws(FileSystemError) -> Data {
        let folder = url.deletingLastPathComponent()
        let files = try read([url.lastPathComponent], in: folder, limit: limit, regularOnly: regularOnly)
        guard let data = files[url.lastPathComponent] else {
            throw FileSystemError(path: url.path, operation: "cannot read", code: ENOENT)
        }
        return data
    }
}
