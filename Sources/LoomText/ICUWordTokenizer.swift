import CICU
import Foundation

/// One ICU word tokenizer (break iterator plus buffers). Not thread-safe; `Tokenizer`
/// hands each one to a single caller at a time through `WordTokenizerPool`.
final class ICUWordTokenizer {
    private let handle: OpaquePointer

    init(options: TokenizerOptions) throws {
        var flags: UInt32 = 0
        if options.caseFold { flags |= UInt32(LOOM_WT_CASEFOLD) }
        if options.keepPunctuation { flags |= UInt32(LOOM_WT_KEEP_PUNCTUATION) }
        if options.stripMarkup { flags |= UInt32(LOOM_WT_STRIP_MARKUP) }
        if options.webText { flags |= UInt32(LOOM_WT_WEB_TEXT) }
        if !options.asciiFastPath { flags |= UInt32(LOOM_WT_NO_ASCII_FAST_PATH) }
        var status: Int32 = 0
        guard let handle = loom_wordtok_open(flags, options.locale, &status) else {
            throw TextError.icu(function: "ubrk_open", code: String(cString: loom_icu_error_name(status)))
        }
        self.handle = handle
    }

    deinit { loom_wordtok_close(handle) }

    /// Tokenizes and adds each token to `table`'s counts; returns the number of tokens.
    func count(utf8: UnsafeBufferPointer<UInt8>, into table: TokenTable) -> Int {
        var total = 0
        for chunk in Self.chunks(utf8) {
            var status: Int32 = 0
            let count = chunk.baseAddress!.withMemoryRebound(to: CChar.self, capacity: chunk.count) { chars in
                loom_wordtok_count(handle, chars, Int32(chunk.count), table.handle, &status)
            }
            total += max(0, Int(count))
        }
        return total
    }

    /// Tokenizes and returns each token's id in `table` (`unknown` when absent).
    func lookup(utf8: UnsafeBufferPointer<UInt8>, in table: TokenTable, unknown: Int32) -> [Int32] {
        var result: [Int32] = []
        for chunk in Self.chunks(utf8) {
            var status: Int32 = 0
            var ids: UnsafePointer<Int32>?
            let count = chunk.baseAddress!.withMemoryRebound(to: CChar.self, capacity: chunk.count) { chars in
                loom_wordtok_lookup(handle, chars, Int32(chunk.count), table.handle, unknown, &ids, &status)
            }
            if count > 0, let ids { result.append(contentsOf: UnsafeBufferPointer(start: ids, count: Int(count))) }
        }
        return result
    }

    /// Tokenizes UTF-8 bytes and calls `body` with each token's UTF-8 bytes (valid UTF-8,
    /// only valid during the call).
    func forEachToken(utf8: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        for chunk in Self.chunks(utf8) {
            var status: Int32 = 0
            let count = chunk.baseAddress!.withMemoryRebound(to: CChar.self, capacity: chunk.count) { chars in
                loom_wordtok_run(handle, chars, Int32(chunk.count), &status)
            }
            // Only memory exhaustion inside ICU can make this fail; there is no sensible
            // partial result, so report no tokens rather than crash.
            guard count > 0, let bytes = loom_wordtok_bytes(handle), let spans = loom_wordtok_spans(handle) else { continue }
            for index in 0..<Int(count) {
                let offset = Int(spans[2 * index]), length = Int(spans[2 * index + 1])
                body(UnsafeBufferPointer(start: bytes + offset, count: length))
            }
        }
    }

    /// `utf8` normalized as the tokenizer normalizes text before word breaking (without markup stripping);
    /// empty if ICU fails.
    func normalize(utf8: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        guard !utf8.isEmpty, utf8.count < Self.chunkLimit else { return [] }
        var status: Int32 = 0
        let length = utf8.baseAddress!.withMemoryRebound(to: CChar.self, capacity: utf8.count) { chars in
            loom_wordtok_normalize(handle, chars, Int32(utf8.count), &status)
        }
        guard length > 0, let bytes = loom_wordtok_bytes(handle) else { return [] }
        return Array(UnsafeBufferPointer(start: bytes, count: Int(length)))
    }

    /// Most bytes handed to C at once, so that every buffer size fits its Int32 lengths.
    static let chunkLimit = 1 << 24

    /// Splits very long texts (over `chunkLimit` bytes) into pieces that tokenize the same
    /// as the whole: cut after a space or line feed that is followed by a visible ASCII
    /// character (no word-break rule joins across that), or, failing that, at a character
    /// boundary. Empty input gives no pieces.
    static func chunks(_ utf8: UnsafeBufferPointer<UInt8>, limit: Int = chunkLimit) -> [UnsafeBufferPointer<UInt8>] {
        guard !utf8.isEmpty else { return [] }
        var pieces: [UnsafeBufferPointer<UInt8>] = []
        var start = 0
        while utf8.count - start > limit {
            var cut = start + limit
            var search = cut
            while search > start + 1, !((utf8[search - 1] == 0x20 || utf8[search - 1] == 0x0A) && utf8[search] > 0x20 && utf8[search] < 0x7F) {
                search -= 1
            }
            if search > start + 1 {
                cut = search
            } else {
                while cut > start + 1, utf8[cut] & 0xC0 == 0x80 { cut -= 1 }  // not inside a character
            }
            pieces.append(UnsafeBufferPointer(rebasing: utf8[start..<cut]))
            start = cut
        }
        pieces.append(UnsafeBufferPointer(rebasing: utf8[start...]))
        return pieces
    }
}

/// A small lock-protected pool of `ICUWordTokenizer`s so that one `Tokenizer` value can
/// be used from many threads: each call borrows a tokenizer, and returns it afterwards.
final class WordTokenizerPool: @unchecked Sendable {
    private let options: TokenizerOptions
    private let lock = NSLock()
    private var idle: [ICUWordTokenizer]

    init(options: TokenizerOptions) throws {
        self.options = options
        idle = [try ICUWordTokenizer(options: options)]  // fail early on ICU errors
    }

    func withTokenizer<R>(_ body: (ICUWordTokenizer) -> R) -> R {
        lock.lock()
        let borrowed = idle.popLast()
        lock.unlock()
        // Opening can only fail if ICU fails, which the initializer already ruled out.
        let tokenizer = borrowed ?? (try? ICUWordTokenizer(options: options))
        guard let tokenizer else { preconditionFailure("ICU word break iterator could not be opened") }
        defer {
            lock.lock()
            idle.append(tokenizer)
            lock.unlock()
        }
        return body(tokenizer)
    }
}
