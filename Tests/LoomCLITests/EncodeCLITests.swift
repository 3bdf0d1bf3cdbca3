import Foundation
import XCTest

/// `loom encode`: the padded id matrix as NumPy reads it, Keras' padding rules, and bad input.
final class EncodeCLITests: CLITestCase {

    /// Parses an int32 .npy file: its shape and values.
    func readNPY(_ path: String) throws -> (shape: [Int], values: [Int32]) {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertEqual(Array(data.prefix(8)), [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
        let headerLength = Int(data[8]) | Int(data[9]) << 8
        XCTAssertEqual((10 + headerLength) % 64, 0, "data aligned to 64 bytes")
        let header = String(decoding: data[10..<(10 + headerLength)], as: UTF8.self)
        XCTAssertTrue(header.contains("'descr': '<i4'") && header.contains("'fortran_order': False"), header)
        let inside = try XCTUnwrap(header.range(of: "'shape': (")).upperBound
        let shapeText = header[inside...].prefix { $0 != ")" }
        let shape = shapeText.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let body = data.dropFirst(10 + headerLength)
        var values: [Int32] = []
        var index = body.startIndex
        while index < body.endIndex {
            let bits = UInt32(body[index]) | UInt32(body[index + 1]) << 8 | UInt32(body[index + 2]) << 16 | UInt32(body[index + 3]) << 24
            values.append(Int32(bitPattern: bits))
            index += 4
        }
        return (shape, values)
    }

    func testPaddedIdsAsKerasPadsThem() throws {
        let vocab = try write("<pad>\n<unk>\nthe\nfilm\nwas\ngood\n!\n", to: "vocab.txt")
        let file = try write("The film was good!\nthe film\r\nbad\n", to: "texts.txt")
        let out = path("ids.npy")
        let result = try loom(["encode", "--vocab", vocab, "--file", file, "--max-length", "4", "--out", out])
        XCTAssertEqual(result.status, 0, result.stderr)
        let (shape, values) = try readNPY(out)
        XCTAssertEqual(shape, [3, 4])
        // Keras defaults: padding and truncating "pre" (the last 4 ids kept, zeros in front).
        XCTAssertEqual(values, [3, 4, 5, 6,  0, 0, 2, 3,  0, 0, 0, 1])
        let lengths = try readNPY(path("ids.lengths.npy"))
        XCTAssertEqual(lengths.shape, [3])
        XCTAssertEqual(lengths.values, [4, 2, 1])

        let post = try loom(["encode", "--vocab", vocab, "--max-length", "3", "--padding", "post", "--truncating", "post",
                             "--value", "-1", "--out", out, "the film was good", "good"])
        XCTAssertEqual(post.status, 0, post.stderr)
        XCTAssertEqual(try readNPY(out).values, [2, 3, 4,  5, -1, -1])
        let longest = try loom(["encode", "--vocab", vocab, "--out", out], stdin: "good film\nthe\n")
        XCTAssertEqual(longest.status, 0, longest.stderr)
        XCTAssertEqual(try readNPY(out).shape, [2, 2])

        let model = try loom(["encode", "--model", "imdb-sentiment", "--out", path("model.npy"), "A fine film."])
        XCTAssertEqual(model.status, 0, model.stderr)
        XCTAssertEqual(try readNPY(path("model.npy")).shape.count, 2)
    }

    func testBadInputIsRefused() throws {
        let vocab = try write("<pad>\n<unk>\nthe\n", to: "vocab.txt")
        XCTAssertEqual(try loom(["encode", "--vocab", vocab, "--max-length", "0", "--out", path("a.npy"), "the"]).status, 64)
        XCTAssertEqual(try loom(["encode", "--out", path("a.npy"), "the"]).status, 64)
        XCTAssertEqual(try loom(["encode", "--vocab", vocab, "--out", path("a.txt"), "the"]).status, 64)
        let notes = try write("my notes\n", to: "notes.npy")
        let refused = try loom(["encode", "--vocab", vocab, "--out", notes, "the"])
        XCTAssertEqual(refused.status, 73, refused.stderr)
        XCTAssertEqual(try String(contentsOfFile: notes, encoding: .utf8), "my notes\n")
        let badVocab = try write("the\nfilm\n", to: "bad.txt")
        let bad = try loom(["encode", "--vocab", badVocab, "--out", path("b.npy"), "the"])
        XCTAssertEqual(bad.status, 1, bad.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("b.npy")))
    }
}
