import Foundation
import LoomSystem

/// Reads UTF-8 text files strictly (the default) or lossily.
public enum TextFile {
    /// A decoded file and how many invalid byte sequences were replaced.
    public struct Contents: Sendable {
        public var text: String
        /// Number of U+FFFD replacements made (0 unless read lossily).
        public var replacements: Int
    }

    /// The file's text. A leading byte-order mark is dropped. Invalid UTF-8 throws
    /// `TextError.invalidUTF8` naming the file, line and byte offset, unless `lossy`,
    /// which replaces each invalid sequence with U+FFFD.
    public static func readUTF8(_ url: URL, lossy: Bool = false) throws -> String {
        try read(url, lossy: lossy).text
    }

    /// Like `readUTF8`, also reporting the number of replacements.
    public static func read(_ url: URL, lossy: Bool = false) throws -> Contents {
        try decode(readBytes(url), path: url.path, lossy: lossy)
    }

    /// Largest input file read into memory (8 GiB): beyond it the error says so instead of the process
    /// running out of memory.
    public static let sizeLimit = 8 << 30

    /// The raw bytes of a file, with `fileNotFound` / `unreadable` errors. Regular files, FIFOs,
    /// `/dev/stdin`, `/dev/null` and process substitutions (`<(cmd)`) are all read to their end.
    public static func readBytes(_ url: URL) throws -> Data {
        do {
            return try FolderSnapshot.readFile(url, limit: sizeLimit)
        } catch {
            switch error.code {
            case ENOENT: throw TextError.fileNotFound(path: url.path)
            case EISDIR: throw TextError.unreadable(path: url.path, reason: "is a folder, not a file")
            case EFBIG: throw TextError.unreadable(path: url.path, reason: "larger than \(sizeLimit >> 30) GiB")
            default: throw TextError.unreadable(path: url.path, reason: error.reason)
            }
        }
    }

    /// Decodes a vocabulary file's bytes strictly: invalid UTF-8 is `invalidUTF8InVocabulary` (no
    /// `--lossy` offer: a damaged vocabulary cannot be guessed).
    static func decodeVocabulary(_ data: Data, path: String) throws -> String {
        do {
            return try decode(data, path: path).text
        } catch TextError.invalidUTF8(let path, let offset, let line) {
            throw TextError.invalidUTF8InVocabulary(path: path, byteOffset: offset, line: line)
        }
    }

    /// Decodes UTF-8 bytes; `path` is used in errors.
    public static func decode(_ data: Data, path: String, lossy: Bool = false) throws -> Contents {
        try data.withUnsafeBytes { raw in
            var bytes = UnsafeBufferPointer(start: raw.baseAddress?.assumingMemoryBound(to: UInt8.self), count: raw.count)
            if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
                bytes = UnsafeBufferPointer(rebasing: bytes[3...])
            }
            if let text = String(validating: bytes, as: UTF8.self) {
                return Contents(text: text, replacements: 0)
            }
            let (offset, count) = UTF8Validation.firstError(in: bytes, countAll: lossy)
            let bom = bytes.count == raw.count ? 0 : 3
            if !lossy {
                let line = 1 + bytes[..<offset].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
                throw TextError.invalidUTF8(path: path, byteOffset: offset + bom, line: line)
            }
            return Contents(text: String(decoding: bytes, as: UTF8.self), replacements: count)
        }
    }
}

/// UTF-8 validation that locates errors (the standard library only says valid or not).
enum UTF8Validation {
    /// Offset of the first invalid byte and, if `countAll`, the number of maximal invalid
    /// subsequences (each becomes one U+FFFD, the replacement policy of `String(decoding:)`).
    static func firstError(in bytes: UnsafeBufferPointer<UInt8>, countAll: Bool) -> (offset: Int, count: Int) {
        var first = -1, count = 0, i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b < 0x80 { i += 1; continue }
            var need = 0, low: UInt8 = 0x80, high: UInt8 = 0xBF
            switch b {
            case 0xC2...0xDF: need = 1
            case 0xE0: need = 2; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: need = 2
            case 0xED: need = 2; high = 0x9F
            case 0xF0: need = 3; low = 0x90
            case 0xF1...0xF3: need = 3
            case 0xF4: need = 3; high = 0x8F
            default: need = 0
            }
            var consumed = 1
            var valid = need > 0
            if valid {
                for k in 1...need {
                    guard i + k < n else { valid = false; break }
                    let c = bytes[i + k]
                    let (lo, hi) = k == 1 ? (low, high) : (UInt8(0x80), UInt8(0xBF))
                    guard c >= lo && c <= hi else { valid = false; break }
                    consumed += 1
                }
            }
            if valid { i += need + 1; continue }
            if first < 0 { first = i }
            count += 1
            if !countAll { break }
            i += consumed
        }
        return (max(first, 0), count)
    }
}
