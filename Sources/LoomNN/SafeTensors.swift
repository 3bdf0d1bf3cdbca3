import Foundation
import LoomSystem
import LoomTensor
#if canImport(Glibc)
import Glibc
#endif

/// Reading and writing the safetensors format (https://huggingface.co/docs/safetensors):
///
///     [8 bytes: little-endian u64 N][N bytes: UTF-8 JSON header][byte buffer]
///
/// The header maps each tensor name to {"dtype", "shape", "data_offsets": [begin, end]} (offsets
/// relative to the buffer start), plus an optional "__metadata__" object of strings. Loom writes F32
/// only, with tensors sorted by name and laid out in that order, and the header padded with spaces
/// to a multiple of 8 bytes. It reads F32, F16, BF16 and F64 (converted to F32) and validates the
/// whole header first: a malformed file is a `SafeTensorsError`, never a crash.
public enum SafeTensors {
    /// The largest header `read` accepts (the reference implementation's limit).
    public static let headerSizeLimit = 100_000_000

    // MARK: Writing

    /// Writes `tensors` (sorted by name) and `metadata` to `url` atomically: the bytes go to a
    /// temporary file in the same folder, are flushed to disk, and the file is renamed over `url`,
    /// so `url` holds either the old or the new contents, never a partial file.
    public static func write(_ tensors: [String: Tensor], metadata: [String: String] = [:], to url: URL) throws {
        try writeAtomically(try encode(tensors, metadata: metadata, source: url.path), to: url, beforeRename: nil)
    }

    /// As `write(_:metadata:to:)`, calling `beforeRename` once the temporary file is complete; tests use it
    /// to fail a write at its last moment.
    static func write(_ tensors: [String: Tensor], to url: URL, beforeRename: @escaping () throws -> Void) throws {
        try writeAtomically(try encode(tensors, source: url.path), to: url, beforeRename: beforeRename)
    }

    /// As `write(_:metadata:to:)` for a list of named tensors; names must be unique.
    public static func write(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:],
                             to url: URL) throws {
        try write(try dictionary(tensors, source: url.path), metadata: metadata, to: url)
    }

    /// The element types Loom writes. Reading converts every supported type to F32.
    public enum StorageType: String, CaseIterable, Sendable {
        /// IEEE binary32, 4 bytes: what training writes; exact.
        case f32 = "F32"
        /// IEEE binary16, 2 bytes: ±65504, 11 significant bits (round to nearest even).
        case f16 = "F16"
        /// bfloat16, 2 bytes: F32's range, 8 significant bits (round to nearest even).
        case bf16 = "BF16"

        public var byteCount: Int { self == .f32 ? 4 : 2 }
    }

    /// As `write(_:metadata:to:)`, storing every tensor as `dtype`.
    public static func write(_ tensors: [String: Tensor], metadata: [String: String] = [:], dtype: StorageType,
                             to url: URL) throws {
        try writeAtomically(try encode(tensors, metadata: metadata, dtype: dtype, source: url.path), to: url, beforeRename: nil)
    }

    /// Float → IEEE binary16 bits, rounding to nearest even (Swift's `Float16` conversion).
    public static func halfBits(_ value: Float) -> UInt16 { Float16(value).bitPattern }

    /// Float → bfloat16 bits: the upper half of the binary32 pattern, rounded to nearest even; NaN stays NaN.
    public static func bfloat16Bits(_ value: Float) -> UInt16 {
        if value.isNaN { return 0x7FC0 }
        let bits = value.bitPattern
        let rounding = 0x7FFF + ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: (bits &+ rounding) >> 16)
    }

    /// The bytes of a safetensors file holding `tensors` and `metadata`, every tensor stored as `dtype`.
    public static func encode(_ tensors: [String: Tensor], metadata: [String: String] = [:], dtype: StorageType = .f32,
                              source: String = "<bytes>") throws -> Data {
        let names = tensors.keys.sorted()
        var header = "{"
        var first = true
        if !metadata.isEmpty {
            header += "\"__metadata__\":{"
            for (i, key) in metadata.keys.sorted().enumerated() {
                if i > 0 { header += "," }
                appendJSONString(key, to: &header)
                header += ":"
                appendJSONString(metadata[key]!, to: &header)
            }
            header += "}"
            first = false
        }
        var offset = 0
        for name in names {
            guard name != "__metadata__" else {
                throw SafeTensorsError.invalidName(file: source, tensor: name, reason: "the name is reserved for metadata")
            }
            let tensor = tensors[name]!
            if !first { header += "," }
            first = false
            appendJSONString(name, to: &header)
            let end = offset + tensor.count * dtype.byteCount
            header += ":{\"dtype\":\"\(dtype.rawValue)\",\"shape\":[\(tensor.shape.map(String.init).joined(separator: ","))],"
                + "\"data_offsets\":[\(offset),\(end)]}"
            offset = end
        }
        header += "}"
        var headerBytes = Array(header.utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }

        var data = Data(capacity: 8 + headerBytes.count + offset)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: headerBytes)
        for name in names {
            let values = tensors[name]!.data
            switch dtype {
            case .f32:
                #if _endian(little)
                values.withUnsafeBytes { data.append(contentsOf: $0) }
                #else
                for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
                #endif
            case .f16, .bf16:
                let halves = values.map { (dtype == .f16 ? halfBits($0) : bfloat16Bits($0)).littleEndian }
                halves.withUnsafeBytes { data.append(contentsOf: $0) }
            }
        }
        return data
    }

    private static func dictionary(_ tensors: [(name: String, tensor: Tensor)], source: String) throws -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (name, tensor) in tensors {
            guard out.updateValue(tensor, forKey: name) == nil else {
                throw SafeTensorsError.duplicateName(file: source, tensor: name)
            }
        }
        return out
    }

    private static func writeAtomically(_ data: Data, to url: URL, beforeRename: (() throws -> Void)?) throws {
        if let hook = beforeRename { try hook() }
        do {
            try AtomicFile.write(data, to: url)
        } catch {
            throw SafeTensorsError.writeFailed(file: url.path, reason: "\(error.operation): \(error.reason)")
        }
    }

    // MARK: Reading

    /// Reads every tensor (as F32) and the metadata of the safetensors file at `url`.
    public static func read(_ url: URL) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        let data: Data
        do {
            data = try FolderSnapshot.readFile(url, limit: Int(UInt32.max) * 4, regularOnly: true)
        } catch {
            throw SafeTensorsError.readFailed(file: url.path, reason: error.reason)
        }
        return try decode(data, source: url.path)
    }

    /// Decodes safetensors bytes; `source` names the origin in error descriptions.
    public static func decode(_ data: Data, source: String = "<bytes>", headerLimit: Int = headerSizeLimit) throws
        -> (tensors: [String: Tensor], metadata: [String: String]) {
        try data.withUnsafeBytes { raw in try decode(raw, source: source, headerLimit: headerLimit) }
    }

    private struct Entry {
        let name: String
        let dtype: String
        let elementSize: Int
        let shape: [Int]
        let begin: Int
        let end: Int
    }

    private static let elementSizes = ["F64": 8, "F32": 4, "F16": 2, "BF16": 2]

    private static func decode(_ raw: UnsafeRawBufferPointer, source: String, headerLimit: Int) throws
        -> (tensors: [String: Tensor], metadata: [String: String]) {
        guard raw.count >= 8 else { throw SafeTensorsError.truncated(file: source, size: raw.count) }
        let headerSize = UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))
        guard headerSize <= UInt64(headerLimit) else {
            throw SafeTensorsError.headerTooLarge(file: source, headerSize: headerSize, limit: headerLimit)
        }
        guard headerSize <= UInt64(raw.count - 8) else {
            throw SafeTensorsError.headerBeyondFile(file: source, headerSize: headerSize, fileSize: raw.count)
        }
        let headerEnd = 8 + Int(headerSize)
        let headerBytes = Array(raw[8..<headerEnd])
        guard isValidUTF8(headerBytes) else { throw SafeTensorsError.headerNotUTF8(file: source) }
        let json: JSONValue
        do { json = try JSONReader.parse(headerBytes) } catch let error as JSONParseError {
            throw SafeTensorsError.headerNotJSON(file: source, reason: error.message)
        }
        guard case .object(let members) = json else {
            throw SafeTensorsError.headerNotObject(file: source, found: json.kindName)
        }

        let bufferSize = raw.count - headerEnd
        var metadata: [String: String] = [:]
        var sawMetadata = false
        var entries: [Entry] = []
        var names = Set<String>()
        for (name, value) in members {
            if name == "__metadata__" {
                guard !sawMetadata else { throw SafeTensorsError.invalidMetadata(file: source, reason: "it appears twice") }
                sawMetadata = true
                metadata = try parseMetadata(value, source: source)
                continue
            }
            guard names.insert(name).inserted else { throw SafeTensorsError.duplicateName(file: source, tensor: name) }
            entries.append(try parseEntry(name, value, source: source, bufferSize: bufferSize))
        }

        // The tensors must tile the buffer exactly: sorted by offset, each starts where the previous ended.
        entries.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var cursor = 0
        var previous: String?
        for entry in entries {
            if entry.begin < cursor {
                throw SafeTensorsError.overlappingTensors(file: source, first: previous ?? "", second: entry.name)
            }
            if entry.begin > cursor { throw SafeTensorsError.gap(file: source, begin: cursor, end: entry.begin) }
            cursor = entry.end
            previous = entry.name
        }
        if cursor < bufferSize { throw SafeTensorsError.trailingBytes(file: source, begin: cursor, end: bufferSize) }

        var tensors: [String: Tensor] = [:]
        let buffer = UnsafeRawBufferPointer(rebasing: raw[headerEnd...])
        for entry in entries {
            let bytes = UnsafeRawBufferPointer(rebasing: buffer[entry.begin..<entry.end])
            tensors[entry.name] = Tensor(shape: entry.shape, data: convertToFloat(bytes, dtype: entry.dtype))
        }
        return (tensors, metadata)
    }

    private static func parseMetadata(_ value: JSONValue, source: String) throws -> [String: String] {
        guard case .object(let members) = value else {
            throw SafeTensorsError.invalidMetadata(file: source, reason: "expected an object of strings, found \(value.kindName)")
        }
        var out: [String: String] = [:]
        for (key, item) in members {
            guard case .string(let text) = item else {
                throw SafeTensorsError.invalidMetadata(file: source, reason: "value of \"\(key)\" is \(item.kindName), not a string")
            }
            guard out.updateValue(text, forKey: key) == nil else {
                throw SafeTensorsError.invalidMetadata(file: source, reason: "key \"\(key)\" appears twice")
            }
        }
        return out
    }

    private static func parseEntry(_ name: String, _ value: JSONValue, source: String, bufferSize: Int) throws -> Entry {
        guard case .object(let members) = value else {
            throw SafeTensorsError.invalidEntry(file: source, tensor: name, reason: "expected an object, found \(value.kindName)")
        }
        func field(_ key: String) throws -> JSONValue {
            let matches = members.filter { $0.key == key }
            guard let match = matches.first else { throw SafeTensorsError.missingField(file: source, tensor: name, field: key) }
            guard matches.count == 1 else {
                throw SafeTensorsError.invalidField(file: source, tensor: name, field: key, reason: "appears twice")
            }
            return match.value
        }
        func integers(_ key: String) throws -> [Int] {
            guard case .array(let items) = try field(key) else {
                throw SafeTensorsError.invalidField(file: source, tensor: name, field: key, reason: "expected an array of integers")
            }
            return try items.map { item in
                guard case .integer(let n) = item, n >= 0 else {
                    throw SafeTensorsError.invalidField(file: source, tensor: name, field: key,
                                                        reason: "expected non-negative integers")
                }
                return n
            }
        }
        guard case .string(let dtype) = try field("dtype") else {
            throw SafeTensorsError.invalidField(file: source, tensor: name, field: "dtype", reason: "expected a string")
        }
        let shape = try integers("shape")
        let offsets = try integers("data_offsets")
        guard offsets.count == 2 else {
            throw SafeTensorsError.invalidField(file: source, tensor: name, field: "data_offsets",
                                                reason: "expected [begin, end], found \(offsets.count) numbers")
        }
        guard let elementSize = elementSizes[dtype] else {
            throw SafeTensorsError.unsupportedDType(file: source, tensor: name, dtype: dtype)
        }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin <= end else {
            throw SafeTensorsError.offsetsNotOrdered(file: source, tensor: name, begin: begin, end: end)
        }
        guard end <= bufferSize else {
            throw SafeTensorsError.offsetsOutOfRange(file: source, tensor: name, begin: begin, end: end, bufferSize: bufferSize)
        }
        var expected: Int? = elementSize
        for extent in shape {
            guard let e = expected else { break }
            let (product, overflow) = e.multipliedReportingOverflow(by: extent)
            expected = overflow ? nil : product
        }
        guard expected == end - begin else {
            throw SafeTensorsError.sizeMismatch(file: source, tensor: name, shape: shape, dtype: dtype,
                                                expectedBytes: expected, actualBytes: end - begin)
        }
        return Entry(name: name, dtype: dtype, elementSize: elementSize, shape: shape, begin: begin, end: end)
    }

    private static func convertToFloat(_ bytes: UnsafeRawBufferPointer, dtype: String) -> [Float] {
        switch dtype {
        case "F32":
            let n = bytes.count / 4
            #if _endian(little)
            return [Float](unsafeUninitializedCapacity: n) { out, count in
                if n > 0 { UnsafeMutableRawBufferPointer(out).copyMemory(from: bytes) }
                count = n
            }
            #else
            return (0..<n).map { Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
            #endif
        case "F16":
            // Swift's Float16 → Float conversion (one F16C instruction per 8 values where the CPU has it);
            // equal to the reference `floatFromHalf` for all 65,536 bit patterns (SafeTensorsTests).
            let n = bytes.count / 2
            return [Float](unsafeUninitializedCapacity: n) { out, count in
                for i in 0..<n {
                    out[i] = Float(Float16(bitPattern: UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))))
                }
                count = n
            }
        case "BF16":
            return (0..<bytes.count / 2).map {
                Float(bitPattern: UInt32(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))) << 16)
            }
        case "F64":
            return (0..<bytes.count / 8).map {
                Float(Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self))))
            }
        default:
            preconditionFailure("dtype \(dtype) passed validation but has no conversion")
        }
    }

    /// IEEE 754 binary16 → binary32, exact for every value (subnormals, ±∞ and NaN included).
    static func floatFromHalf(_ h: UInt16) -> Float {
        let sign = UInt32(h >> 15) << 31
        let exponent = UInt32(h >> 10) & 0x1F
        let mantissa = UInt32(h) & 0x3FF
        switch exponent {
        case 0:
            // Zero or subnormal: mantissa · 2⁻²⁴, exactly representable in Float.
            let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
            return sign != 0 ? -magnitude : magnitude
        case 0x1F:
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        default:
            return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
        }
    }
}

/// Whether `bytes` are well-formed UTF-8.
private func isValidUTF8(_ bytes: [UInt8]) -> Bool {
    var iterator = bytes.makeIterator()
    var decoder = UTF8()
    while true {
        switch decoder.decode(&iterator) {
        case .scalarValue: continue
        case .emptyInput: return true
        case .error: return false
        }
    }
}
