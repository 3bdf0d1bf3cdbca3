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
        guard let base = utf8.baseAddress, !utf8.isEmpty else { return 0 }
        var status: Int32 = 0
        let count = base.withMemoryRebound(to: CChar.self, capacity: utf8.count) { chars in
            loom_wordtok_count(handle, chars, Int32(utf8.count), table.handle, &status)
        }
        return max(0, Int(count))
    }

    /// Tokenizes and returns each token's id in `table` (`unknown` when absent).
    func lookup(utf8: UnsafeBufferPointer<UInt8>, in table: TokenTable, unknown: Int32) -> [Int32] {
        guard let base = utf8.baseAddress, !utf8.isEmpty else { return [] }
        var status: Int32 = 0
        var ids: UnsafePointer<Int32>?
        let count = base.withMemoryRebound(to: CChar.self, capacity: utf8.count) { chars in
            loom_wordtok_lookup(handle, chars, Int32(utf8.count), table.handle, unknown, &ids, &status)
        }
        guard count > 0, let ids else { return [] }
        return Array(UnsafeBufferPointer(start: ids, count: Int(count)))
    }

    /// Tokenizes UTF-8 bytes and calls `body` with each token's UTF-8 bytes (valid UTF-8,
    /// only valid during the call).
    func forEachToken(utf8: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        var status: Int32 = 0
        guard let base = utf8.baseAddress, !utf8.isEmpty else { return }
        let count = base.withMemoryRebound(to: CChar.self, capacity: utf8.count) { chars in
            loom_wordtok_run(handle, chars, Int32(utf8.count), &status)
        }
        // Only allocation failure inside ICU can make this fail; there is no sensible
        // partial result, so report no tokens rather than crash.
        guard count > 0, let bytes = loom_wordtok_bytes(handle), let spans = loom_wordtok_spans(handle) else { return }
        for index in 0..<Int(count) {
            let offset = Int(spans[2 * index]), length = Int(spans[2 * index + 1])
            body(UnsafeBufferPointer(start: bytes + offset, count: length))
        }
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
