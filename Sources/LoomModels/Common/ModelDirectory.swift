import Foundation
import LoomNN
import LoomTensor

/// A model on disk: a folder holding `config.json`, `model.safetensors`, the vocabulary, the training log
/// and the curves. Saving is all-or-nothing: files are written into a staging folder beside the target,
/// which then replaces the old folder, so an interrupted run never leaves a half-written model.
public struct ModelDirectory {
    /// The folder itself.
    public let url: URL

    public init(_ url: URL) { self.url = url.standardizedFileURL }

    public var configURL: URL { url.appendingPathComponent("config.json") }
    public var weightsURL: URL { url.appendingPathComponent("model.safetensors") }
    public var logURL: URL { url.appendingPathComponent("train-log.jsonl") }
    public var curvesURL: URL { url.appendingPathComponent("curves.svg") }
    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// Writes a complete model folder. `write` receives a staging folder and fills it; only when it
    /// returns without error does the staging folder take the place of `url`.
    public func replace(with write: (ModelDirectory) throws -> Void) throws {
        let fileManager = FileManager.default
        let parent = url.deletingLastPathComponent()
        do {
            try fileManager.createDirectory(at: parent, withIntermediateDirectories: true)
        } catch {
            throw ModelError.io(parent, reason: "cannot create folder: \(error.localizedDescription)")
        }
        let token = "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let staging = parent.appendingPathComponent(".\(url.lastPathComponent).partial-\(token)")
        let previous = parent.appendingPathComponent(".\(url.lastPathComponent).previous-\(token)")
        try? fileManager.removeItem(at: staging)
        do {
            try fileManager.createDirectory(at: staging, withIntermediateDirectories: false)
        } catch {
            throw ModelError.io(staging, reason: "cannot create staging folder: \(error.localizedDescription)")
        }
        do {
            try write(ModelDirectory(staging))
        } catch {
            try? fileManager.removeItem(at: staging)
            throw error
        }
        // Swap: keep the old folder until the new one is in place.
        let hadOld = fileManager.fileExists(atPath: url.path)
        do {
            if hadOld { try fileManager.moveItem(at: url, to: previous) }
            try fileManager.moveItem(at: staging, to: url)
        } catch {
            if hadOld && !fileManager.fileExists(atPath: url.path) { try? fileManager.moveItem(at: previous, to: url) }
            try? fileManager.removeItem(at: staging)
            throw ModelError.io(url, reason: "cannot move the new model into place: \(error.localizedDescription)")
        }
        if hadOld { try? fileManager.removeItem(at: previous) }
    }

    /// Throws a clear error when the folder or one of the named files is missing.
    public func requireFiles(_ names: [String]) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ModelError.missingFile(url)
        }
        for name in names where !FileManager.default.fileExists(atPath: file(name).path) {
            throw ModelError.missingFile(file(name))
        }
    }

    /// Encodes `value` as pretty, key-sorted JSON into `name`.
    public func writeJSON<T: Encodable>(_ value: T, to name: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let target = file(name)
        do {
            try encoder.encode(value).write(to: target, options: .atomic)
        } catch {
            throw ModelError.io(target, reason: "cannot write: \(error.localizedDescription)")
        }
    }

    /// Decodes `name` as JSON, turning any failure into an error that names the file.
    public func readJSON<T: Decodable>(_ type: T.Type, from name: String) throws -> T {
        let source = file(name)
        guard let data = FileManager.default.contents(atPath: source.path) else { throw ModelError.missingFile(source) }
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw ModelError.corruptFile(source, reason: "not valid JSON for this model (\(error))")
        }
    }

    /// Reads the header fields every config has, checking the format version and model kind first.
    public func checkConfigHeader(expectedKind: String, supportedVersion: Int) throws {
        struct Header: Decodable { var kind: String; var formatVersion: Int }
        let header = try readJSON(Header.self, from: "config.json")
        if header.formatVersion > supportedVersion {
            throw ModelError.newerFormat(configURL, found: header.formatVersion, supported: supportedVersion)
        }
        if header.kind != expectedKind {
            throw ModelError.wrongModelKind(url, found: header.kind, expected: expectedKind)
        }
    }

    /// Writes named parameters to `model.safetensors` (or `name`), with PyTorch names.
    public func writeWeights(_ parameters: [Parameter], metadata: [String: String] = [:], to name: String = "model.safetensors") throws {
        var tensors: [String: Tensor] = [:]
        for parameter in parameters { tensors[parameter.name] = parameter.value }
        try SafeTensors.write(tensors, metadata: metadata, to: file(name))
    }

    /// Loads weights into `parameters`, checking that names and shapes match exactly.
    public func readWeights(into parameters: [Parameter], from name: String = "model.safetensors") throws {
        let source = file(name)
        guard FileManager.default.fileExists(atPath: source.path) else { throw ModelError.missingFile(source) }
        let tensors: [String: Tensor]
        do {
            tensors = try SafeTensors.read(source).tensors
        } catch {
            throw ModelError.corruptFile(source, reason: "\(error)")
        }
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
            parameter.value = tensor
        }
        let expected = Set(parameters.map(\.name))
        if let extra = tensors.keys.sorted().first(where: { !expected.contains($0) }) {
            throw ModelError.mismatch(source, reason: "weights hold tensor '\(extra)' that config.json does not describe")
        }
    }
}
