import Foundation
import LoomSystem
/// Counts token frequencies, the input of `Vocabulary.build`.
///
/// Counting is order-independent, so counters filled on several threads can be merged
/// (`merge`) and give the same vocabulary as one counter over everything.
public struct TokenCounter: Sendable, Equatable {
    /// Occurrences of each token.
    public private(set) var counts: [String: Int] = [:]
    /// Number of texts added with `add(text:tokenizer:)` or `add(_:)`.
    public private(set) var documents = 0
    /// Total number of tokens added.
    public private(set) var total = 0

    public init() {}

    /// Adds the tokens of one document.
    public mutating func add(_ tokens: [String]) {
        for token in tokens { counts[token, default: 0] += 1 }
        documents += 1
        total += tokens.count
    }

    /// Tokenizes `text` and adds its tokens (faster than `add(tokenizer.tokenize(text))`).
    public mutating func add(text: String, tokenizer: Tokenizer) {
        var added = 0
        tokenizer.forEachToken(in: text) { bytes in
            counts[String(decoding: bytes, as: UTF8.self), default: 0] += 1
            added += 1
        }
        documents += 1
        total += added
    }

    /// Adds every count of `other`.
    public mutating func merge(_ other: TokenCounter) {
        counts.merge(other.counts, uniquingKeysWith: +)
        documents += other.documents
        total += other.total
    }

    /// Counts the tokens of all `texts`, splitting the work over `threads` threads
    /// (default: all active processors). The result does not depend on `threads`.
    public static func count(_ texts: [String], tokenizer: Tokenizer, threads: Int? = nil) -> TokenCounter {
        let parts = ParallelFor.map(texts.count, chunks: threads ?? ProcessInfo.processInfo.activeProcessorCount) { range in
            // Count in a C table (no Swift string per token), then convert once.
            let table = TokenTable()
            var total = 0
            for index in range { total += tokenizer.count(texts[index], into: table) }
            var counter = TokenCounter()
            counter.counts = table.counts()
            counter.documents = range.count
            counter.total = total
            return counter
        }
        var result = TokenCounter()
        for part in parts { result.merge(part) }
        return result
    }
}
