import Foundation
import XCTest
import LoomTensor
@testable import LoomNN

/// safetensors: round trips, files written by the reference Python package, hand-built F16/BF16
/// bytes, every malformed-header case (a typed error, never a crash), and atomic writes.
final class SafeTensorsTests: XCTestCase {
    /// A file from a header string (not padded) and a byte buffer.
    func file(_ header: String, buffer: [UInt8] = []) -> Data {
        file(headerBytes: Array(header.utf8), buffer: buffer)
    }

    func file(headerBytes: [UInt8], buffer: [UInt8] = [], declaredSize: UInt64? = nil) -> Data {
        var data = Data()
        withUnsafeBytes(of: (declaredSize ?? UInt64(headerBytes.count)).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: headerBytes)
        data.append(contentsOf: buffer)
        return data
    }

    func expectError(_ data: Data, _ expected: SafeTensorsError, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try SafeTensors.decode(data), file: file, line: line) { error in
            XCTAssertEqual(error as? SafeTensorsError, expected, file: file, line: line)
            XCTAssertTrue("\(error)".hasPrefix("<bytes>: "), "descriptions name the source: \(error)", file: file, line: line)
        }
    }

    func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("loom-st-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    // MARK: Round trips

    func testRoundTripThroughAFileKeepsValuesShapesAndMetadata() throws {
        let folder = try temporaryFolder()
        let url = folder.appendingPathComponent("model.safetensors")
        let tensors: [String: Tensor] = [
            "lstm.weight_ih_l0": Tensor(shape: [8, 3], data: (0..<24).map { Float($0) * 0.5 - 3 }),
            "fc.bias": Tensor(shape: [1], data: [-.infinity]),
            "embedding.weight": Tensor(shape: [2, 2], data: [.leastNonzeroMagnitude, -0.0, .greatestFiniteMagnitude, 1e-3]),
            "scalar": Tensor(shape: [], data: [42]),
            "empty": Tensor(shape: [0, 4], data: []),
            "ünïcödé \"quoted\"\n": Tensor(shape: [1], data: [7]),
        ]
        let metadata = ["format": "pt", "loom.step": "12", "json": "{\"a\": [1]}\t\u{1}"]
        try SafeTensors.write(tensors, metadata: metadata, to: url)
        let (read, readMetadata) = try SafeTensors.read(url)
        XCTAssertEqual(read, tensors)
        XCTAssertEqual(readMetadata, metadata)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["model.safetensors"],
                       "no temporary files left behind")

        // Layout: header padded with spaces to a multiple of 8, keys sorted, deterministic bytes.
        let bytes = try Data(contentsOf: url)
        let n = Int(bytes.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) })
        XCTAssertEqual(n % 8, 0)
        let header = String(decoding: bytes[8..<8 + n], as: UTF8.self)
        XCTAssertTrue(header.hasPrefix("{\"__metadata__\":{\"format\":\"pt\",\"json\":"))
        let order = ["embedding.weight", "empty", "fc.bias", "lstm.weight_ih_l0", "scalar"].map { header.range(of: "\"\($0)\"")!.lowerBound }
        XCTAssertEqual(order, order.sorted())
        XCTAssertEqual(try SafeTensors.encode(tensors, metadata: metadata), bytes)
        // The list form writes the same bytes.
        let url2 = folder.appendingPathComponent("list.safetensors")
        try SafeTensors.write(tensors.map { (name: $0.key, tensor: $0.value) }, metadata: metadata, to: url2)
        XCTAssertEqual(try Data(contentsOf: url2), bytes)
    }

    func testWriterRejectsReservedAndDuplicateNames() throws {
        let url = try temporaryFolder().appendingPathComponent("x.safetensors")
        let t = Tensor(shape: [1], data: [1])
        XCTAssertThrowsError(try SafeTensors.write(["__metadata__": t], to: url)) {
            guard case .invalidName = $0 as? SafeTensorsError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try SafeTensors.write([(name: "a", tensor: t), (name: "a", tensor: t)], to: url)) {
            XCTAssertEqual($0 as? SafeTensorsError, .duplicateName(file: url.path, tensor: "a"))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path))
    }

    // MARK: Files from the reference implementation

    func fixture(_ name: String) -> URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures/safetensors/\(name)")
    }

    func testReadsAFileWrittenByThePythonSafetensorsPackage() throws {
        // Written by Fixtures/safetensors/make_fixtures.py (safetensors 0.8.0, torch).
        let (t, metadata) = try SafeTensors.read(fixture("python_mixed.safetensors"))
        XCTAssertEqual(metadata, ["format": "pt", "note": "Loom fixture"])
        XCTAssertEqual(Set(t.keys), ["fc.weight", "half", "brain", "double", "scalar", "empty"])
        XCTAssertEqual(t["fc.weight"], Tensor(shape: [2, 3], data: [0, 0.25, 0.5, 0.75, 1, 1.25]))
        let half = t["half"]!
        XCTAssertEqual(half.shape, [7])
        XCTAssertEqual(Array(half.data[0..<5]), [1, -2.5, 65504, 0x1p-14, 0x1p-24])
        XCTAssertEqual(half.data[5], 0)
        XCTAssertEqual(half.data[5].sign, .minus, "-0 keeps its sign")
        XCTAssertEqual(half.data[6], .infinity)
        XCTAssertEqual(t["brain"], Tensor(shape: [2, 2], data: [1, -2.5, 65536, 3 * 0x1p100]))
        XCTAssertEqual(t["double"], Tensor(shape: [2], data: [0.1, -1e10]))
        XCTAssertEqual(t["scalar"], Tensor(shape: [], data: [3.5]))
        XCTAssertEqual(t["empty"], Tensor(shape: [0], data: []))
    }

    func testUnsupportedDTypeFromPythonIsATypedError() {
        let url = fixture("python_int64.safetensors")
        XCTAssertThrowsError(try SafeTensors.read(url)) {
            XCTAssertEqual($0 as? SafeTensorsError, .unsupportedDType(file: url.path, tensor: "ids", dtype: "I64"))
            XCTAssertTrue("\($0)".contains("python_int64.safetensors") && "\($0)".contains("\"ids\""))
        }
    }

    func testHandBuiltHalfAndBFloat16BytesConvertExactly() throws {
        // F16 bit patterns: 1.0 = 0x3C00, −2.5 = 0xC100, 65504 = 0x7BFF (largest finite), 2⁻²⁴ = 0x0001
        // (smallest subnormal), 0x03FF = 1023·2⁻²⁴ (largest subnormal), −∞ = 0xFC00, NaN = 0x7E00.
        let halves: [UInt16] = [0x3C00, 0xC100, 0x7BFF, 0x0001, 0x03FF, 0xFC00, 0x7E00]
        // BF16 is the top half of a float: 1.0 = 0x3F80, −2.5 = 0xC020, 65536 = 0x4780.
        let brains: [UInt16] = [0x3F80, 0xC020, 0x4780]
        var buffer: [UInt8] = []
        for v in halves + brains { buffer += [UInt8(v & 0xFF), UInt8(v >> 8)] }
        let data = file(#"{"h":{"dtype":"F16","shape":[7],"data_offsets":[0,14]},"b":{"dtype":"BF16","shape":[3],"data_offsets":[14,20]}}"#,
                        buffer: buffer)
        let t = try SafeTensors.decode(data).tensors
        let h = t["h"]!.data
        XCTAssertEqual(Array(h[0..<6]), [1, -2.5, 65504, 0x1p-24, 1023 * 0x1p-24, -.infinity])
        XCTAssertTrue(h[6].isNaN)
        XCTAssertEqual(t["b"]!.data, [1, -2.5, 65536])
        // Every one of the 65,536 half patterns converts to the value Swift's own Float16 would give.
        #if arch(x86_64) || arch(arm64)
        for bits in 0...UInt16.max {
            let ours = SafeTensors.floatFromHalf(bits), reference = Float(Float16(bitPattern: bits))
            XCTAssertTrue(ours.bitPattern == reference.bitPattern || (ours.isNaN && reference.isNaN), "\(bits)")
        }
        #endif
    }

    // MARK: Malformed files

    let entry = #"{"dtype":"F32","shape":[1],"data_offsets":[0,4]}"#
    let fourBytes: [UInt8] = [0, 0, 128, 63]  // 1.0

    func testTruncatedAndOversizedHeaders() {
        expectError(Data(), .truncated(file: "<bytes>", size: 0))
        expectError(Data([1, 0, 0, 0, 0, 0, 0]), .truncated(file: "<bytes>", size: 7))
        expectError(file(headerBytes: [], declaredSize: UInt64.max),
                    .headerTooLarge(file: "<bytes>", headerSize: UInt64.max, limit: SafeTensors.headerSizeLimit))
        expectError(file(headerBytes: [], declaredSize: 100_000_001),
                    .headerTooLarge(file: "<bytes>", headerSize: 100_000_001, limit: 100_000_000))
        expectError(file(headerBytes: Array("{}".utf8), declaredSize: 100),
                    .headerBeyondFile(file: "<bytes>", headerSize: 100, fileSize: 10))
        XCTAssertThrowsError(try SafeTensors.decode(file("{}"), headerLimit: 1)) {
            XCTAssertEqual($0 as? SafeTensorsError, .headerTooLarge(file: "<bytes>", headerSize: 2, limit: 1))
        }
    }

    func testHeaderThatIsNotAJSONObject() {
        expectError(file(headerBytes: [0x7B, 0xFF, 0x7D]), .headerNotUTF8(file: "<bytes>"))
        for bad in ["", "{", "{\"a\":}", "{\"a\" 1}", "{'a':1}", "{\"a\":01}", "{\"a\":[1,]}", "{} x", "{\"a\":\"\u{1}\"}",
                    "{\"a\":\"\\ud800\"}", String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)] {
            XCTAssertThrowsError(try SafeTensors.decode(file(bad)), "\(bad.prefix(20))") {
                guard case .headerNotJSON = $0 as? SafeTensorsError else { return XCTFail("\(bad.prefix(20)): \($0)") }
            }
        }
        expectError(file("[1, 2]"), .headerNotObject(file: "<bytes>", found: "an array"))
        expectError(file("\"text\""), .headerNotObject(file: "<bytes>", found: "a string"))
    }

    func testMetadataMustBeAnObjectOfStrings() {
        for (header, reason) in [
            (#"{"__metadata__":5}"#, "expected an object of strings, found a number"),
            (#"{"__metadata__":{"a":1}}"#, "value of \"a\" is a number, not a string"),
            (#"{"__metadata__":{"a":"x","a":"y"}}"#, "key \"a\" appears twice"),
            (#"{"__metadata__":{},"__metadata__":{}}"#, "it appears twice"),
        ] {
            expectError(file(header), .invalidMetadata(file: "<bytes>", reason: reason))
        }
        XCTAssertEqual(try SafeTensors.decode(file(#"{"__metadata__":{}}"#)).tensors.count, 0, "an empty file is valid")
    }

    func testMissingAndInvalidFields() {
        let f = "<bytes>"
        expectError(file(#"{"t":3}"#), .invalidEntry(file: f, tensor: "t", reason: "expected an object, found a number"))
        expectError(file(#"{"t":{"shape":[1],"data_offsets":[0,4]}}"#, buffer: fourBytes), .missingField(file: f, tensor: "t", field: "dtype"))
        expectError(file(#"{"t":{"dtype":"F32","data_offsets":[0,4]}}"#, buffer: fourBytes), .missingField(file: f, tensor: "t", field: "shape"))
        expectError(file(#"{"t":{"dtype":"F32","shape":[1]}}"#, buffer: fourBytes), .missingField(file: f, tensor: "t", field: "data_offsets"))
        expectError(file(#"{"t":{"dtype":5,"shape":[1],"data_offsets":[0,4]}}"#, buffer: fourBytes),
                    .invalidField(file: f, tensor: "t", field: "dtype", reason: "expected a string"))
        for shape in ["[-1]", "[1.5]", "\"1\"", "[[1]]", "[1e3]", "[99999999999999999999]"] {
            expectError(file(#"{"t":{"dtype":"F32","shape":"# + shape + #","data_offsets":[0,4]}}"#, buffer: fourBytes),
                        .invalidField(file: f, tensor: "t", field: "shape", reason: shape.hasPrefix("\"") ? "expected an array of integers" : "expected non-negative integers"))
        }
        expectError(file(#"{"t":{"dtype":"F32","shape":[1],"data_offsets":[0]}}"#, buffer: fourBytes),
                    .invalidField(file: f, tensor: "t", field: "data_offsets", reason: "expected [begin, end], found 1 numbers"))
        expectError(file(#"{"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"dtype":"F32"}}"#, buffer: fourBytes),
                    .invalidField(file: f, tensor: "t", field: "dtype", reason: "appears twice"))
        expectError(file(#"{"t":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#, buffer: fourBytes + fourBytes),
                    .unsupportedDType(file: f, tensor: "t", dtype: "I64"))
        expectError(file(#"{"t":{"dtype":"float32","shape":[1],"data_offsets":[0,4]}}"#, buffer: fourBytes),
                    .unsupportedDType(file: f, tensor: "t", dtype: "float32"))
    }

    func testOffsetsSizesOverlapsGapsAndDuplicates() {
        let f = "<bytes>"
        func t(_ name: String, _ shape: String, _ begin: Int, _ end: Int) -> String {
            "\"\(name)\":{\"dtype\":\"F32\",\"shape\":\(shape),\"data_offsets\":[\(begin),\(end)]}"
        }
        let eight = fourBytes + fourBytes, twelve = eight + fourBytes
        expectError(file("{" + t("a", "[1]", 8, 4) + "}", buffer: eight), .offsetsNotOrdered(file: f, tensor: "a", begin: 8, end: 4))
        expectError(file("{" + t("a", "[100]", 0, 400) + "}", buffer: eight),
                    .offsetsOutOfRange(file: f, tensor: "a", begin: 0, end: 400, bufferSize: 8))
        expectError(file("{" + t("a", "[3]", 0, 8) + "}", buffer: eight),
                    .sizeMismatch(file: f, tensor: "a", shape: [3], dtype: "F32", expectedBytes: 12, actualBytes: 8))
        let huge = 1 << 62
        expectError(file("{" + t("a", "[\(huge),\(huge)]", 0, 8) + "}", buffer: eight),
                    .sizeMismatch(file: f, tensor: "a", shape: [huge, huge], dtype: "F32", expectedBytes: nil, actualBytes: 8))
        expectError(file("{" + t("a", "[2]", 0, 8) + "," + t("b", "[2]", 4, 12) + "}", buffer: twelve),
                    .overlappingTensors(file: f, first: "a", second: "b"))
        expectError(file("{" + t("a", "[1]", 0, 4) + "," + t("b", "[1]", 8, 12) + "}", buffer: twelve), .gap(file: f, begin: 4, end: 8))
        expectError(file("{" + t("b", "[1]", 4, 8) + "}", buffer: eight), .gap(file: f, begin: 0, end: 4))
        expectError(file("{" + t("a", "[1]", 0, 4) + "}", buffer: eight), .trailingBytes(file: f, begin: 4, end: 8))
        expectError(file("{" + t("a", "[1]", 0, 4) + "," + t("a", "[1]", 4, 8) + "}", buffer: eight), .duplicateName(file: f, tensor: "a"))
        // Zero-size tensors at a boundary are fine, in any header order.
        let ok = file("{" + t("z", "[0]", 4, 4) + "," + t("b", "[1]", 4, 8) + "," + t("a", "[1]", 0, 4) + "," + t("y", "[0,3]", 8, 8) + "}", buffer: eight)
        XCTAssertEqual(try SafeTensors.decode(ok).tensors.count, 4)
    }

    func testCorruptedFilesNeverCrash() throws {
        let valid = try SafeTensors.encode(["w": Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6]), "b": Tensor(shape: [3], data: [7, 8, 9])],
                                           metadata: ["k": "v"])
        XCTAssertNoThrow(try SafeTensors.decode(valid))
        // Every truncation is an error (the buffer must be fully covered).
        for length in 0..<valid.count {
            XCTAssertThrowsError(try SafeTensors.decode(valid.prefix(length))) { XCTAssertTrue($0 is SafeTensorsError) }
        }
        // Random byte changes: either a valid decode or a SafeTensorsError, never a trap.
        var rng = SeededGenerator(seed: 99)
        for _ in 0..<3000 {
            var bytes = [UInt8](valid)
            for _ in 0..<(1 + Int(rng.next() % 3)) {
                bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
            }
            do { _ = try SafeTensors.decode(Data(bytes)) } catch { XCTAssertTrue(error is SafeTensorsError, "\(error)") }
        }
        // Data slices with a non-zero start index decode too.
        var padded = Data([9, 9, 9])
        padded.append(valid)
        XCTAssertEqual(try SafeTensors.decode(padded.dropFirst(3)).tensors["b"]?.data, [7, 8, 9])
    }

    // MARK: Atomic writes

    func testFailedWriteLeavesExistingFileIntactAndNoTemporaryFiles() throws {
        let folder = try temporaryFolder()
        let url = folder.appendingPathComponent("model.safetensors")
        let old = ["w": Tensor(shape: [1], data: [1])]
        try SafeTensors.write(old, to: url)
        let oldBytes = try Data(contentsOf: url)

        // A failure after the temporary file is complete but before the rename.
        struct Injected: Error {}
        XCTAssertThrowsError(try SafeTensors.write(["w": Tensor(shape: [2], data: [2, 3])], to: url,
                                                   beforeRename: { throw Injected() })) { XCTAssertTrue($0 is Injected) }
        XCTAssertEqual(try Data(contentsOf: url), oldBytes)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["model.safetensors"])

        // A real failure: the target path is a non-empty directory, so the rename fails.
        let blocked = folder.appendingPathComponent("blocked.safetensors")
        try FileManager.default.createDirectory(at: blocked.appendingPathComponent("inside"), withIntermediateDirectories: true)
        XCTAssertThrowsError(try SafeTensors.write(old, to: blocked)) { error in
            guard case .writeFailed(let path, let reason) = error as? SafeTensorsError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, blocked.path)
            XCTAssertTrue(reason.contains("rename"), reason)
        }
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: folder.path)), ["model.safetensors", "blocked.safetensors"])

        // A folder that does not exist.
        let missing = folder.appendingPathComponent("no/such/folder/m.safetensors")
        XCTAssertThrowsError(try SafeTensors.write(old, to: missing)) {
            guard case .writeFailed = $0 as? SafeTensorsError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try SafeTensors.read(missing)) {
            guard case .readFailed(let path, _) = $0 as? SafeTensorsError else { return XCTFail("\($0)") }
            XCTAssertEqual(path, missing.path)
        }
    }

    func testUnwritableFolderIsATypedErrorAndKeepsTheOldFile() throws {
        try XCTSkipIf(geteuid() == 0, "permissions do not stop root; the injected and rename failures above cover this path")
        let folder = try temporaryFolder()
        let url = folder.appendingPathComponent("model.safetensors")
        try SafeTensors.write(["w": Tensor(shape: [1], data: [1])], to: url)
        let oldBytes = try Data(contentsOf: url)
        try FileManager.default.setAttributes([.posixPermissions: 0o500], ofItemAtPath: folder.path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: folder.path) }
        XCTAssertThrowsError(try SafeTensors.write(["w": Tensor(shape: [1], data: [2])], to: url)) {
            guard case .writeFailed = $0 as? SafeTensorsError else { return XCTFail("\($0)") }
        }
        XCTAssertEqual(try Data(contentsOf: url), oldBytes)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["model.safetensors"])
    }

    /// The fast F16 decode (Float16 conversion) equals the reference `floatFromHalf` for every bit pattern,
    /// and F16/BF16 writes round to nearest even.
    func testHalfPrecisionFastPathsMatchTheirReferences() throws {
        var bytes = Data(capacity: 2 * 65_536)
        for h in 0...UInt16.max { withUnsafeBytes(of: h.littleEndian) { bytes.append(contentsOf: $0) } }
        var file = Data()
        let header = Array("{\"h\":{\"dtype\":\"F16\",\"shape\":[65536],\"data_offsets\":[0,131072]}}".utf8)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(contentsOf: header)
        file.append(bytes)
        let decoded = try SafeTensors.decode(file).tensors["h"]!.data
        for h in 0...UInt16.max {
            let reference = SafeTensors.floatFromHalf(h)
            let fast = decoded[Int(h)]
            XCTAssertTrue(reference.isNaN ? fast.isNaN : reference.bitPattern == fast.bitPattern, "pattern \(h)")
        }
        // Round to nearest even: 1 + 2^-11 lies halfway between 1 and the next half, and goes to 1.
        XCTAssertEqual(SafeTensors.halfBits(1 + 0x1p-11), 0x3C00)
        XCTAssertEqual(SafeTensors.halfBits(1 + 0x1p-10 + 0x1p-11), 0x3C02)
        XCTAssertEqual(SafeTensors.bfloat16Bits(1 + 0x1p-8), 0x3F80)
        XCTAssertEqual(SafeTensors.bfloat16Bits(1 + 0x1p-7 + 0x1p-8), 0x3F82)
        XCTAssertEqual(SafeTensors.bfloat16Bits(.nan) & 0x7FC0, 0x7FC0)
        let tensors = ["w": Tensor(shape: [3], data: [0.1, -2.5, 1000])]
        for dtype in [SafeTensors.StorageType.f16, .bf16] {
            let back = try SafeTensors.decode(SafeTensors.encode(tensors, dtype: dtype)).tensors["w"]!.data
            for (a, b) in zip(back, tensors["w"]!.data) { XCTAssertEqual(a, b, accuracy: abs(b) * (dtype == .f16 ? 1e-3 : 8e-3)) }
        }
    }
}
