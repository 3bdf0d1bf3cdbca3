import Foundation
import LoomNN
import LoomSystem
import LoomTensor

/// A model on disk: a folder holding `config.json`, `model.safetensors`, the vocabulary, the training log
/// and the curves.
///
/// Saving never exposes a reader to a missing or half-written model (`replace(with:)`): the new folder is
/// written beside the target as `.NAME.partial-PID-N`, flushed, renamed to `.NAME.staged-PID-N` (the mark
/// that it is complete), and then exchanged with the target in one atomic step (Linux
/// `renameat2(RENAME_EXCHANGE)`); the old model, now under the staged name, is deleted last. A kill at any
/// instant leaves the target holding the complete old or the complete new model, plus at most one hidden
/// folder that the next save removes (or, should the target be missing after a crash of the two-rename
/// fallback used on file systems without exchange, moves back into place). Loading reads all files of one
/// folder through one open descriptor (`FolderSnapshot`), so a concurrent save cannot mix two versions.
public struct ModelDirectory {
    /// The folder itself.
    public let url: URL

    public init(_ url: URL) { self.url = url.standardizedFileURL }

    public var configURL: URL { url.appendingPathComponent("config.json") }
    public var weightsURL: URL { url.appendingPathComponent("model.safetensors") }
    public var logURL: URL { url.appendingPathComponent("train-log.jsonl") }
    public var curvesURL: URL { url.appendingPathComponent("curves.svg") }
    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// Largest model file read into memory (4 GiB).
    public static let fileSizeLimit = 4 << 30

    // MARK: Saving

    /// Writes a complete model folder. `write` receives a staging folder and fills it; only when it
    /// returns without error does the staging folder take the place of `url` (see the type's description).
    public func replace(with write: (ModelDirectory) throws -> Void) throws {
        let parent = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        } catch {
            throw ModelError.io(parent, reason: "cannot create folder: \(error.localizedDescription)")
        }
        cleanUpStaging()
        let token = Self.stagingToken()
        let partial = stagingURL(.partial, token: token)
        let staged = stagingURL(.staged, token: token)
        do {
            try FolderOperations.makeFolder(partial)
        } catch {
            throw ModelError.io(partial, reason: "cannot create staging folder: \(error.reason)")
        }
        do {
            try write(ModelDirectory(partial))
            FolderOperations.sync(partial)
            try FolderOperations.renameWithoutReplacing(partial, to: staged)
        } catch {
            FolderOperations.removeTree(partial)
            throw error
        }
        do {
            try moveIntoPlace(staged)
        } catch {
            FolderOperations.removeTree(staged)
            throw ModelError.io(url, reason: "cannot move the new model into place: \(error)")
        }
        FolderOperations.sync(parent)
        // `staged` now holds the replaced model (or nothing, for a first save).
        FolderOperations.removeTree(staged)
    }

    /// Puts the complete folder `staged` at `url`: a rename when nothing is there, an atomic exchange
    /// otherwise (two renames where the file system cannot exchange).
    private func moveIntoPlace(_ staged: URL) throws(FileSystemError) {
        do {
            try FolderOperations.renameWithoutReplacing(staged, to: url)
            return
        } catch where error.code == EEXIST || error.code == ENOTEMPTY {
            // A model is there: exchange below.
        }
        do {
            try FolderOperations.exchange(staged, url)
        } catch where error.code == EINVAL || error.code == ENOSYS || error.code == ENOTSUP {
            // No exchange on this file system: old model aside under a staged name, new one in. A crash
            // between the two leaves both complete models in hidden folders; `recoverIfMissing` restores one.
            let aside = stagingURL(.staged, token: Self.stagingToken())
            try FolderOperations.renameWithoutReplacing(url, to: aside)
            do {
                try FolderOperations.renameWithoutReplacing(staged, to: url)
            } catch {
                try? FolderOperations.renameWithoutReplacing(aside, to: url)
                throw error
            }
            try? FolderOperations.renameWithoutReplacing(aside, to: staged)
        }
    }

    // MARK: Staging folders

    /// The kinds of hidden folders a save leaves beside `url` while it works.
    enum StagingKind: String, CaseIterable {
        /// Being written; never complete.
        case partial
        /// Complete: the new model before the exchange, the old one after it.
        case staged
        /// Complete: an old model set aside by Loom 0.1's two-rename swap.
        case previous
    }

    struct StagingFolder {
        var url: URL
        var kind: StagingKind
        var pid: Int32
        var modified: Date
    }

    private static func stagingToken() -> String { "\(getpid())-\(UInt32.random(in: 0...UInt32.max))" }

    private func stagingURL(_ kind: StagingKind, token: String) -> URL {
        url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(kind.rawValue)-\(token)")
    }

    /// The hidden staging folders of this model beside it, whoever made them.
    func stagingFolders() -> [StagingFolder] {
        let parent = url.deletingLastPathComponent()
        let prefix = ".\(url.lastPathComponent)."
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: parent.path) else { return [] }
        return names.compactMap { name -> StagingFolder? in
            guard name.hasPrefix(prefix) else { return nil }
            let rest = name.dropFirst(prefix.count)
            guard let dash = rest.firstIndex(of: "-"), let kind = StagingKind(rawValue: String(rest[..<dash])) else { return nil }
            let token = rest[rest.index(after: dash)...]
            guard let pidText = token.split(separator: "-").first, let pid = Int32(pidText) else { return nil }
            let folder = parent.appendingPathComponent(name)
            let attributes = try? FileManager.default.attributesOfItem(atPath: folder.path)
            guard (attributes?[.type] as? FileAttributeType) == .typeDirectory else { return nil }
            return StagingFolder(url: folder, kind: kind, pid: pid,
                                 modified: (attributes?[.modificationDate] as? Date) ?? .distantPast)
        }
    }

    /// Whether the process that made `folder` has ended (its folder is debris, not work in progress).
    private func isAbandoned(_ folder: StagingFolder) -> Bool {
        folder.pid == getpid() || !FolderOperations.processIsAlive(folder.pid)
    }

    /// When the model folder is missing but a crashed save left a complete copy in a staging folder, puts
    /// the newest such copy back in place. Returns whether it did.
    @discardableResult
    public func recoverIfMissing() -> Bool {
        guard !FileManager.default.fileExists(atPath: url.path) else { return false }
        let complete = stagingFolders().filter { $0.kind != .partial && isAbandoned($0) }
            .sorted { $0.modified > $1.modified }
        for candidate in complete {
            if (try? FolderOperations.renameWithoutReplacing(candidate.url, to: url)) != nil { return true }
        }
        return false
    }

    /// Removes the staging folders of saves that died (their process is gone), after recovering a
    /// missing model from them. Work of a live process is left alone.
    public func cleanUpStaging() {
        recoverIfMissing()
        for folder in stagingFolders() where isAbandoned(folder) {
            FolderOperations.removeTree(folder.url)
        }
    }

    // MARK: Reading

    /// The named files of the folder, read together (see `FolderSnapshot`). `required` files must be
    /// there; optional ones may be absent from the result. A folder found missing is first recovered
    /// from a crashed save's staging copy; a folder being swapped by a live writer is retried.
    public func readFiles(required: [String], optional: [String] = []) throws -> [String: Data] {
        var lastMissing: URL? = nil
        for attempt in 0..<50 {
            if attempt > 0 { usleep(10_000) }
            var isFolder: ObjCBool = false
            if !FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) {
                if recoverIfMissing() { continue }
                // A live save of the two-rename fallback may be between its renames: wait a little.
                if stagingFolders().contains(where: { $0.kind == .staged && !isAbandoned($0) }) { continue }
                throw ModelError.missingModel(url)
            }
            guard isFolder.boolValue else {
                throw ModelError.corruptFile(url, reason: "is a file, not a model folder")
            }
            let files: [String: Data]
            do {
                files = try FolderSnapshot.read(required + optional, in: url, limit: Self.fileSizeLimit)
            } catch where error.code == ENOENT || error.code == ESTALE {
                continue
            } catch where error.code == EFBIG {
                throw ModelError.corruptFile(URL(fileURLWithPath: error.path), reason: "larger than \(Self.fileSizeLimit >> 30) GiB, too large for a model file")
            } catch where error.code == EINVAL {
                throw ModelError.corruptFile(URL(fileURLWithPath: error.path), reason: "not a regular file (a model file must be a plain file)")
            } catch {
                throw ModelError.io(URL(fileURLWithPath: error.path), reason: error.reason)
            }
            if let missing = required.first(where: { files[$0] == nil }) {
                // Either the model is incomplete, or we read an old folder while its save deleted it: a
                // few rereads tell the two apart (a swap takes microseconds), not the whole retry budget.
                if lastMissing == file(missing) && attempt >= 3 { break }
                lastMissing = file(missing)
                continue
            }
            return files
        }
        throw ModelError.missingFile(lastMissing ?? url)
    }

    /// Throws `missingFile` for the first of `names` that `files` (from `readFiles`) lacks.
    public func require(_ names: [String], in files: [String: Data]) throws {
        if let missing = names.first(where: { files[$0] == nil }) { throw ModelError.missingFile(file(missing)) }
    }

    /// Throws a clear error when the folder or one of the named files is missing.
    public func requireFiles(_ names: [String]) throws {
        _ = try readFiles(required: [], optional: [])
        for name in names where !FileManager.default.fileExists(atPath: file(name).path) {
            throw ModelError.missingFile(file(name))
        }
    }

    // MARK: Files inside a (staging) folder

    /// Encodes `value` as pretty, key-sorted JSON into `name`, atomically.
    public func writeJSON<T: Encodable>(_ value: T, to name: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try writeFile(try encoder.encode(value), to: name)
    }

    /// Writes `data` to `name` atomically.
    public func writeFile(_ data: Data, to name: String) throws {
        let target = file(name)
        do {
            try AtomicFile.write(data, to: target)
        } catch {
            throw ModelError.io(target, reason: "cannot write: \(error.reason)")
        }
    }

    /// Decodes `name` as JSON, turning any failure into an error that names the file.
    public func readJSON<T: Decodable>(_ type: T.Type, from name: String) throws -> T {
        let data = try readFiles(required: [name])[name]!
        return try Self.decodeJSON(type, from: data, source: file(name))
    }

    /// Decodes JSON bytes with errors that say which field is wrong and why.
    public static func decodeJSON<T: Decodable>(_ type: T.Type, from data: Data, source: URL) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            throw ModelError.corruptFile(source, reason: JSONProblem.describe(error, data: data, decoding: type))
        } catch {
            throw ModelError.corruptFile(source, reason: "not valid JSON (\(error.localizedDescription))")
        }
    }

    /// Reads the header fields every config has, checking the format version and model kind first.
    public static func checkConfigHeader(_ data: Data, source: URL, folder: URL, expectedKind: String,
                                         supportedVersion: Int) throws {
        struct Header: Decodable { var kind: String; var formatVersion: Int }
        let header = try decodeJSON(Header.self, from: data, source: source)
        if header.formatVersion > supportedVersion {
            throw ModelError.newerFormat(source, found: header.formatVersion, supported: supportedVersion)
        }
        if header.kind != expectedKind {
            throw ModelError.wrongModelKind(folder, found: header.kind, expected: expectedKind)
        }
    }

    /// `checkConfigHeader` on this folder's `config.json`.
    public func checkConfigHeader(expectedKind: String, supportedVersion: Int) throws {
        let data = try readFiles(required: ["config.json"])["config.json"]!
        try Self.checkConfigHeader(data, source: configURL, folder: url, expectedKind: expectedKind,
                                   supportedVersion: supportedVersion)
    }

    /// Writes named parameters to `model.safetensors` (or `name`), with PyTorch names.
    public func writeWeights(_ parameters: [Parameter], metadata: [String: String] = [:], to name: String = "model.safetensors") throws {
        var tensors: [String: Tensor] = [:]
        for parameter in parameters { tensors[parameter.name] = parameter.value }
        try SafeTensors.write(tensors, metadata: metadata, to: file(name))
    }

    /// Writes named tensors as safetensors, turning failures into `ModelError.io`.
    public static func writeTensors(_ tensors: [String: Tensor], metadata: [String: String], to url: URL) throws {
        do {
            try SafeTensors.write(tensors, metadata: metadata, to: url)
        } catch {
            throw ModelError.io(url, reason: "cannot write: \(error)")
        }
    }

    /// Reads a safetensors file, turning failures into `ModelError` naming the file.
    public static func readTensors(_ url: URL) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        let data: Data
        do {
            data = try FolderSnapshot.readFile(url, limit: ModelDirectory.fileSizeLimit, regularOnly: true)
        } catch {
            if error.isNotFound { throw ModelError.missingFile(url) }
            throw ModelError.io(url, reason: error.reason)
        }
        do {
            return try SafeTensors.decode(data, source: url.path)
        } catch {
            throw ModelError.corruptFile(url, reason: "\(error)")
        }
    }

    /// Reads a training run's `resume/state.json` (`name`), with a clear error when the folder holds no resumable
    /// run (`writer` names the command whose folders can be resumed) and when the file is of a newer format.
    func readResumeState<State: ResumeState>(_ type: State.Type, from name: String, writer: String) throws -> State {
        guard FileManager.default.fileExists(atPath: file(name).path) else {
            throw ModelError.invalidData("\(url.path): holds no resumable run (\(name) is missing); only folders written by `\(writer)` can be resumed")
        }
        let state = try readJSON(State.self, from: name)
        if state.formatVersion > State.currentFormatVersion {
            throw ModelError.newerFormat(file(name), found: state.formatVersion, supported: State.currentFormatVersion)
        }
        return state
    }

    /// Loads Adam's saved moments (`m.NAME`, `v.NAME`) into `optimizer`, checking first that every one belongs
    /// to a parameter of that shape (a resume of either model family).
    static func loadOptimizer(_ moments: [String: Tensor], into optimizer: Adam, parameters: [Parameter], stepCount: Int,
                              source: URL) throws {
        let shapes = Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.value.shape) })
        for (key, tensor) in moments {
            let name = key.hasPrefix("m.") || key.hasPrefix("v.") ? String(key.dropFirst(2)) : key
            guard let shape = shapes[name], shape == tensor.shape else {
                throw ModelError.mismatch(source, reason: "optimizer state '\(key)' does not match the model's parameters")
            }
        }
        do {
            try optimizer.loadState(moments, stepCount: stepCount)
        } catch {
            throw ModelError.corruptFile(source, reason: "\(error)")
        }
    }

    /// Decodes safetensors bytes, naming the file in errors.
    public static func decodeWeights(_ data: Data, source: URL) throws -> [String: Tensor] {
        do {
            return try SafeTensors.decode(data, source: source.path).tensors
        } catch {
            throw ModelError.corruptFile(source, reason: "\(error)")
        }
    }

    /// Checks, before any model is allocated, that the weights hold exactly as many numbers as the
    /// configuration calls for (`expected`, from checked arithmetic), so that an absurd config.json
    /// cannot make Loom allocate gigabytes for a small file.
    public static func checkParameterCount(_ tensors: [String: Tensor], expected: Int?, source: URL) throws {
        let found = tensors.values.reduce(0) { $0 + $1.count }
        guard let expected else {
            throw ModelError.mismatch(source, reason: "config.json describes a network too large to build (its parameter count overflows); the weights hold \(found) numbers")
        }
        guard expected == found else {
            throw ModelError.mismatch(source, reason: "the weights hold \(found) numbers but config.json describes a network of \(expected) parameters; the config does not belong to these weights")
        }
    }

    /// Largest weight magnitude accepted: trained recurrent models stay far below it, and up to it every
    /// product in Loom's layers stays finite in Float32.
    public static let maximumWeight: Float = 1e6

    /// Loads `tensors` into `parameters`, checking that names and shapes match exactly.
    public static func assign(_ tensors: [String: Tensor], to parameters: [Parameter], source: URL) throws {
        for parameter in parameters {
            guard let tensor = tensors[parameter.name] else {
                throw ModelError.mismatch(source, reason: "weights lack tensor '\(parameter.name)' that config.json calls for")
            }
            guard tensor.shape == parameter.value.shape else {
                throw ModelError.mismatch(source, reason: "tensor '\(parameter.name)' has shape \(tensor.shape), config.json calls for \(parameter.value.shape)")
            }
            guard tensor.data.allSatisfy({ $0.isFinite }) else {
                throw ModelError.corruptFile(source, reason: "tensor '\(parameter.name)' holds NaN or infinite values")
            }
            guard tensor.data.allSatisfy({ abs($0) <= maximumWeight }) else {
                throw ModelError.corruptFile(source, reason: "tensor '\(parameter.name)' holds values beyond ±\(Int(maximumWeight)), which no trained model has and which would overflow to NaN")
            }
            parameter.value = tensor
        }
        let expected = Set(parameters.map(\.name))
        if let extra = tensors.keys.sorted().first(where: { !expected.contains($0) }) {
            throw ModelError.mismatch(source, reason: "weights hold tensor '\(extra)' that config.json does not describe")
        }
    }

    /// Loads weights from `name` into `parameters`, checking that names and shapes match exactly.
    public func readWeights(into parameters: [Parameter], from name: String = "model.safetensors") throws {
        let data = try readFiles(required: [name])[name]!
        try Self.assign(try Self.decodeWeights(data, source: file(name)), to: parameters, source: file(name))
    }
}

/// The state file of a resumable training run: versioned like `config.json`.
protocol ResumeState: Decodable {
    static var currentFormatVersion: Int { get }
    var formatVersion: Int { get }
}
