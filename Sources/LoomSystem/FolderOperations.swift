import CLoomSystem
import Foundation

/// The folder operations a model-folder swap is made of, each one atomic on Linux file systems.
public enum FolderOperations {
    /// Swaps the contents of two existing paths in one step (`renameat2(RENAME_EXCHANGE)`): a reader of
    /// either path never finds it missing. Throws with code `EINVAL`/`ENOSYS` where the file system
    /// cannot exchange; callers then fall back to two renames.
    public static func exchange(_ a: URL, _ b: URL) throws(FileSystemError) {
        let code = loom_exchange(a.path, b.path)
        if code != 0 { throw FileSystemError(path: b.path, operation: "cannot exchange with \(a.path)", code: code) }
    }

    /// Renames `from` to `to`, refusing (EEXIST) to replace anything at `to`.
    public static func renameWithoutReplacing(_ from: URL, to: URL) throws(FileSystemError) {
        let code = loom_rename_noreplace(from.path, to.path)
        if code != 0 { throw FileSystemError(path: to.path, operation: "cannot rename \(from.path) to it", code: code) }
    }

    /// Makes earlier renames in `folder` durable.
    public static func sync(_ folder: URL) {
        _ = loom_fsync_path(folder.path)
    }

    /// Creates one folder (its parent must exist); fails if something is there already.
    public static func makeFolder(_ url: URL) throws(FileSystemError) {
        loom_fault_point()
        if mkdir(url.path, 0o755) != 0 { throw FileSystemError(path: url.path, operation: "cannot create folder", code: errno) }
    }

    /// Removes a folder tree that Loom itself created (a staging folder or a replaced model).
    public static func removeTree(_ url: URL) {
        loom_fault_point()
        try? FileManager.default.removeItem(at: url)
    }

    /// Whether a process with this id is running (kill(pid, 0)).
    public static func processIsAlive(_ pid: Int32) -> Bool { loom_process_alive(pid) != 0 }
}
