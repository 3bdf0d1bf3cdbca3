import Foundation
import LoomSystem

/// The checks every command runs on an output path before doing any work, so that no training run can
/// destroy what the user did not ask it to replace.
///
/// Refused always (`--force` or not): an empty path, `/`, the home folder, the current folder or any
/// folder above it, an input file itself, and a folder that holds an input. Refused unless `force`: an
/// existing file or folder that is not a Loom model of the kind being written (an empty folder is fine).
/// The folder must be creatable and writable, with room in its name for the staging names: that is
/// checked by creating and removing a staging folder now, not at the first checkpoint.
public struct OutputCheck {
    /// What the command writes: a model folder of `kind`, or a single file (`kind` nil), e.g. a vocabulary.
    public var kind: String?
    /// Files or folders the command reads; the output may be none of them and hold none of them.
    public var inputs: [URL]
    /// Replace an existing folder or file that is not a model of `kind`.
    public var force: Bool

    public init(kind: String?, inputs: [URL], force: Bool = false) {
        self.kind = kind
        self.inputs = inputs
        self.force = force
    }

    /// The output URL for a path typed by the user, refusing an empty one (an unset shell variable).
    public static func url(forPath path: String, option: String = "--out") throws -> URL {
        guard !path.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ModelError.invalidOption("\(option) is empty (an unset shell variable?); give the folder to write")
        }
        return URL(fileURLWithPath: (path as NSString).expandingTildeInPath).standardizedFileURL
    }

    /// Runs every check on `output`; creates nothing.
    public func check(_ output: URL) throws {
        let target = Self.resolved(output)
        try refuseProtected(target, as: output)
        try refuseInputs(target, as: output)
        try refuseForeignContents(output)
        try checkWritable(output)
    }

    /// The path with symbolic links resolved, also when its last parts do not exist yet.
    static func resolved(_ url: URL) -> String {
        var existing = url.standardizedFileURL
        var tail: [String] = []
        while !FileManager.default.fileExists(atPath: existing.path) && existing.path != "/" {
            tail.insert(existing.lastPathComponent, at: 0)
            existing = existing.deletingLastPathComponent()
        }
        var path = existing.resolvingSymlinksInPath().path
        for part in tail { path = (path as NSString).appendingPathComponent(part) }
        return path
    }

    private static func isSameOrInside(_ path: String, _ folder: String) -> Bool {
        path == folder || path.hasPrefix(folder == "/" ? "/" : folder + "/")
    }

    private func refuseProtected(_ target: String, as output: URL) throws {
        if target == "/" { throw ModelError.refusedOutput(output, reason: "it is the root folder") }
        let home = Self.resolved(URL(fileURLWithPath: NSHomeDirectory()))
        if target == home { throw ModelError.refusedOutput(output, reason: "it is your home folder") }
        if let value = ProcessInfo.processInfo.environment["HOME"], !value.isEmpty,
           target == Self.resolved(URL(fileURLWithPath: value)) {
            throw ModelError.refusedOutput(output, reason: "it is your home folder")
        }
        let current = Self.resolved(URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        if target == current { throw ModelError.refusedOutput(output, reason: "it is the current folder; give a new folder such as models/NAME") }
        if Self.isSameOrInside(current, target) {
            throw ModelError.refusedOutput(output, reason: "the current folder is inside it")
        }
    }

    private func refuseInputs(_ target: String, as output: URL) throws {
        for input in inputs {
            let path = Self.resolved(input)
            if path == target { throw ModelError.refusedOutput(output, reason: "it is an input of this command (\(input.path))") }
            if Self.isSameOrInside(path, target) {
                throw ModelError.refusedOutput(output, reason: "it holds an input of this command (\(input.path))")
            }
        }
    }

    private func refuseForeignContents(_ output: URL) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: output.path, isDirectory: &isFolder) else { return }
        if force { return }
        guard let kind else {
            if isFolder.boolValue { throw ModelError.refusedOutput(output, reason: "it is a folder; give a file name") }
            return  // single files are judged by their writer (e.g. a vocabulary must look like one)
        }
        guard isFolder.boolValue else {
            throw ModelError.refusedOutput(output, reason: "a file is there, not a model folder (use --force to replace it)")
        }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: output.path)) ?? []
        if entries.isEmpty { return }
        let config = output.appendingPathComponent("config.json")
        struct Header: Decodable { var kind: String? }
        if let data = try? FolderSnapshot.readFile(config, limit: 1 << 20, regularOnly: true),
           let header = try? JSONDecoder().decode(Header.self, from: data), let found = header.kind {
            if found == kind { return }
            throw ModelError.refusedOutput(output, reason: "it holds a \(found) model, not a \(kind) model (choose another --out, or --force to replace it)")
        }
        let shown = entries.sorted().prefix(3).joined(separator: ", ") + (entries.count > 3 ? ", …" : "")
        throw ModelError.refusedOutput(output, reason: "it is not a Loom model folder (it holds \(entries.count) item\(entries.count == 1 ? "" : "s"): \(shown)); choose a new folder, or --force to replace it")
    }

    /// Checks that a save can create its staging folders beside `output` — the name leaves room for the
    /// staging suffix, and the nearest existing folder above it is writable.
    private func checkWritable(_ output: URL) throws {
        let nameBytes = output.lastPathComponent.utf8.count
        if nameBytes + Self.stagingSuffixBytes > 255 {
            throw ModelError.refusedOutput(output, reason: "the name is too long: \(nameBytes) bytes, and a save needs \(Self.stagingSuffixBytes) more for its staging folder (255 at most)")
        }
        var existing = output.deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: existing.path) && existing.path != "/" {
            existing = existing.deletingLastPathComponent()
        }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: existing.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw ModelError.refusedOutput(output, reason: "\(existing.path) is a file, so no folder can be made inside it")
        }
        // access(2) also reports a read-only file system (EROFS), and creates nothing.
        if access(existing.path, W_OK | X_OK) != 0 {
            throw ModelError.refusedOutput(output, reason: "cannot create folders in \(existing.path): \(String(cString: strerror(errno)))")
        }
    }

    /// Bytes that a staging name adds to the model folder's name: ".", ".partial-", pid, "-", 10 digits.
    static let stagingSuffixBytes = 1 + ".partial-".utf8.count + 10 + 1 + 10
}
