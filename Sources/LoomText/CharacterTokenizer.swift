import CICU
import Foundation

/// What counts as one character for character-level models.
public enum CharacterUnit: String, Sendable, CaseIterable, Codable {
    /// User-perceived characters (extended grapheme clusters): "é" written as e + U+0301,
    /// a flag 🇫🇷 or a family 👨‍👩‍👧 is one character.
    case graphemes
    /// Unicode scalars (code points): e + U+0301 is two characters, 🇫🇷 is two.
    case scalars
}

/// Splits text into characters (graphemes or scalars) without normalizing it, so
/// that joining the pieces gives back exactly the input.
///
/// ```swift
/// CharacterTokenizer().tokenize("e\u{301}🇫🇷!")  // ["é", "🇫🇷", "!"]
/// ```
///
/// Grapheme clusters come from ICU's character break iterator (UAX #29 of ICU's Unicode
/// version: 15.0 for ICU 72, the same rules as the word tokenizer), not from Swift's
/// `Character`: Swift's standard library splits some emoji ZWJ sequences of UAX #29
/// (✁ + ZWJ + ✁, GB11), and ICU is checked against Unicode's own `GraphemeBreakTest.txt`
/// in the tests. Between two ASCII characters ICU is not asked (every rule but CR × LF
/// breaks there); the tests check that shortcut against ICU.
public struct CharacterTokenizer: Sendable {
    public var unit: CharacterUnit
    /// Skip ICU between two ASCII characters (identical results). Off only for tests.
    var asciiFastPath = true

    public init(unit: CharacterUnit = .graphemes) {
        self.unit = unit
    }

    /// The characters of `text`, in order, each as a `String`.
    public func tokenize(_ text: String) -> [String] {
        var pieces: [String] = []
        forEachCharacter(in: text) { pieces.append(String(decoding: $0, as: UTF8.self)) }
        return pieces
    }

    /// Calls `body` with the UTF-8 bytes of each character of `text`, in order (valid only
    /// during the call).
    public func forEachCharacter(in text: String, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        var text = text
        text.withUTF8 { utf8 in
            switch unit {
            case .graphemes:
                let pool = asciiFastPath ? GraphemeBreakerPool.shared : GraphemeBreakerPool.withoutFastPath
                pool.withBreaker { $0.forEachCluster(utf8: utf8, body) }
            case .scalars:
                var start = 0
                while start < utf8.count {
                    var end = start + 1
                    while end < utf8.count, utf8[end] & 0xC0 == 0x80 { end += 1 }
                    body(UnsafeBufferPointer(rebasing: utf8[start..<end]))
                    start = end
                }
            }
        }
    }
}

/// One ICU character break iterator (see `loom_graphemes_run`). Not thread-safe.
final class GraphemeBreaker {
    private let handle: OpaquePointer

    init(asciiFastPath: Bool) {
        var status: Int32 = 0
        // ICU's break rules are compiled into libicudata, which Loom links: opening
        // fails only when memory is exhausted.
        guard let handle = loom_graphemes_open(asciiFastPath ? 0 : UInt32(LOOM_GR_NO_ASCII_FAST_PATH), &status) else {
            preconditionFailure("ICU character break iterator could not be opened: \(String(cString: loom_icu_error_name(status)))")
        }
        self.handle = handle
    }

    deinit { loom_graphemes_close(handle) }

    /// Calls `body` with each grapheme cluster of `utf8` (valid UTF-8).
    func forEachCluster(utf8: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        for chunk in Self.chunks(utf8) {
            var status: Int32 = 0
            var ends: UnsafePointer<Int32>?
            let count = chunk.baseAddress!.withMemoryRebound(to: CChar.self, capacity: chunk.count) { chars in
                loom_graphemes_run(handle, chars, Int32(chunk.count), &ends, &status)
            }
            // Only memory exhaustion can fail here; no clusters rather than a crash.
            guard count > 0, let ends else { continue }
            var start = 0
            for index in 0..<Int(count) {
                let end = Int(ends[index])
                body(UnsafeBufferPointer(rebasing: chunk[start..<end]))
                start = end
            }
        }
    }

    /// Most bytes handed to C at once (its buffer holds one Int32 per byte).
    static let chunkLimit = 1 << 20

    /// Splits long texts into pieces with the same clusters as the whole: cut between two
    /// ASCII characters other than CR LF (every grapheme rule breaks there), or, failing
    /// that, at a character boundary. Empty input gives no pieces.
    static func chunks(_ utf8: UnsafeBufferPointer<UInt8>, limit: Int = chunkLimit) -> [UnsafeBufferPointer<UInt8>] {
        guard !utf8.isEmpty else { return [] }
        var pieces: [UnsafeBufferPointer<UInt8>] = []
        var start = 0
        while utf8.count - start > limit {
            var cut = start + limit
            var search = cut
            while search > start + 1, !(utf8[search - 1] < 0x80 && utf8[search] < 0x80 && !(utf8[search - 1] == 0x0D && utf8[search] == 0x0A)) {
                search -= 1
            }
            if search > start + 1 {
                cut = search
            } else {
                // not inside a character (forward when the limit is below one character)
                while cut > start + 1, utf8[cut] & 0xC0 == 0x80 { cut -= 1 }
                while cut < utf8.count, utf8[cut] & 0xC0 == 0x80 { cut += 1 }
                if cut == utf8.count { break }
            }
            pieces.append(UnsafeBufferPointer(rebasing: utf8[start..<cut]))
            start = cut
        }
        pieces.append(UnsafeBufferPointer(rebasing: utf8[start...]))
        return pieces
    }
}

/// Grapheme breakers shared by all `CharacterTokenizer`s: each call borrows one.
final class GraphemeBreakerPool: @unchecked Sendable {
    static let shared = GraphemeBreakerPool(asciiFastPath: true)
    static let withoutFastPath = GraphemeBreakerPool(asciiFastPath: false)

    private let asciiFastPath: Bool
    private let lock = NSLock()
    private var idle: [GraphemeBreaker] = []

    init(asciiFastPath: Bool) { self.asciiFastPath = asciiFastPath }

    func withBreaker<R>(_ body: (GraphemeBreaker) -> R) -> R {
        lock.lock()
        let borrowed = idle.popLast()
        lock.unlock()
        let breaker = borrowed ?? GraphemeBreaker(asciiFastPath: asciiFastPath)
        defer {
            lock.lock()
            idle.append(breaker)
            lock.unlock()
        }
        return body(breaker)
    }
}
