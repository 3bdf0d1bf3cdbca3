import Foundation
import LoomSystem

/// A word vocabulary: token ↔ id, with id 0 `<pad>` and id 1 `<unk>`.
///
/// Built from token counts in a deterministic order (frequency descending, ties by the
/// tokens' Unicode code points ascending), so two builds from the same corpus are
/// identical, byte for byte, when written. Stored as UTF-8 text, one token a line,
/// line number − 1 = id.
///
/// Tokens are compared as Swift strings, i.e. up to Unicode canonical equivalence
/// ("é" precomposed and "e" + U+0301 are the same token). The word tokenizer emits
/// NFKC text, so this never merges distinct tokenizer outputs.
public struct Vocabulary: Equatable, Sendable {
    public static let padToken = "<pad>"
    public static let unknownToken = "<unk>"
    public static let padID: Int32 = 0
    public static let unknownID: Int32 = 1

    /// All tokens, index = id.
    public let tokens: [String]
    private let ids: [String: Int32]
    /// The same mapping in C, for encoding straight from the tokenizer.
    private let table: TokenTable

    /// Number of tokens, the two special tokens included.
    public var count: Int { tokens.count }

    /// Validates and wraps a token list: `tokens[0]` must be `<pad>`, `tokens[1]` `<unk>`,
    /// no duplicates, no empty tokens, no line breaks (the file format is one token a line).
    public init(tokens: [String]) throws {
        try self.init(tokens: tokens, path: nil)
    }

    init(tokens: [String], path: String?) throws {
        for (index, expected) in [Self.padToken, Self.unknownToken].enumerated() where index >= tokens.count || tokens[index] != expected {
            throw TextError.missingSpecialToken(path: path, line: index + 1, expected: expected, found: index < tokens.count ? tokens[index] : nil)
        }
        var ids: [String: Int32] = [:]
        ids.reserveCapacity(tokens.count)
        for (index, token) in tokens.enumerated() {
            if token.isEmpty { throw TextError.invalidToken(path: path, line: index + 1, reason: "empty line") }
            if token.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D }) {
                throw TextError.invalidToken(path: path, line: index + 1, reason: "token contains a line break")
            }
            if let first = ids[token] {
                throw TextError.duplicateToken(path: path, line: index + 1, token: token, firstLine: Int(first) + 1)
            }
            ids[token] = Int32(index)
        }
        self.tokens = tokens
        self.ids = ids
        self.table = TokenTable(tokens: tokens)
    }

    /// Builds a vocabulary from token counts.
    ///
    /// - Parameters:
    ///   - maxSize: the most tokens in the result, including `<pad>` and `<unk>`
    ///     (`nil` = no limit; values below 2 keep only the two special tokens).
    ///   - minCount: tokens seen fewer times are left out (they encode as `<unk>`).
    /// Order: count descending, ties by code points ascending. Counted occurrences of the
    /// special tokens themselves are ignored.
    public static func build(counts: [String: Int], maxSize: Int? = nil, minCount: Int = 1) -> Vocabulary {
        var entries = counts.filter { $0.value >= minCount && $0.key != padToken && $0.key != unknownToken && isStorable($0.key) }
            .map { (token: $0.key, count: $0.value) }
        entries.sort { a, b in
            a.count != b.count ? a.count > b.count : a.token.utf8.lexicographicallyPrecedes(b.token.utf8)
        }
        let room = maxSize.map { max(0, $0 - 2) } ?? entries.count
        var tokens = [padToken, unknownToken]
        tokens.reserveCapacity(min(room, entries.count) + 2)
        for entry in entries.prefix(room) { tokens.append(entry.token) }
        // swiftlint:disable:next force_try
        return try! Vocabulary(tokens: tokens)  // valid by construction
    }

    private static func isStorable(_ token: String) -> Bool {
        !token.isEmpty && !token.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D })
    }

    /// The id of `token`, or `unknownID` (1) when it is not in the vocabulary.
    public func id(for token: String) -> Int32 { ids[token] ?? Self.unknownID }

    /// Whether `token` has its own id.
    public func contains(_ token: String) -> Bool { ids[token] != nil }

    /// The token with `id`; out-of-range ids give `<unk>`.
    public func token(for id: Int32) -> String {
        id >= 0 && Int(id) < tokens.count ? tokens[Int(id)] : Self.unknownToken
    }

    /// Ids of `tokens` (unknown tokens → 1).
    public func encode(_ tokens: [String]) -> [Int32] { tokens.map { id(for: $0) } }

    /// Tokenizes `text` and encodes the tokens, without building intermediate strings
    /// for known tokens (the equivalent of Keras' `texts_to_sequences` for one text).
    public func encode(text: String, tokenizer: Tokenizer) -> [Int32] {
        tokenizer.lookup(text, in: table, unknown: Self.unknownID)
    }

    /// Tokenizes and encodes every text, splitting the work over `threads` threads
    /// (default: all active processors); Keras' `texts_to_sequences`.
    public func encode(texts: [String], tokenizer: Tokenizer, threads: Int? = nil) -> [[Int32]] {
        ParallelFor.map(texts.count, chunks: threads ?? ProcessInfo.processInfo.activeProcessorCount) { range in
            range.map { encode(text: texts[$0], tokenizer: tokenizer) }
        }.flatMap { $0 }
    }

    /// Tokens of `ids` (out-of-range ids → `<unk>`).
    public func decode(_ ids: [Int32]) -> [String] { ids.map { token(for: $0) } }

    public static func == (lhs: Vocabulary, rhs: Vocabulary) -> Bool { lhs.tokens == rhs.tokens }
}

extension Vocabulary {
    /// Reads a vocabulary file (UTF-8, one token a line; a final newline and CRLF line
    /// ends are accepted). Errors name the file and line.
    public init(contentsOf url: URL) throws {
        try self.init(fileContents: try TextFile.readBytes(url), path: url.path)
    }

    /// Parses the bytes of a vocabulary file; `path` names it in errors.
    public init(fileContents data: Data, path: String) throws {
        let text = try TextFile.decodeVocabulary(data, path: path)
        try self.init(tokens: Lines.split(text), path: path)
    }

    /// The file contents: each token followed by a newline.
    public func fileData() -> Data {
        var text = ""
        text.reserveCapacity(tokens.reduce(0) { $0 + $1.utf8.count + 1 })
        for token in tokens { text += token; text += "\n" }
        return Data(text.utf8)
    }

    /// Writes the vocabulary atomically (temporary file + rename).
    public func write(to url: URL) throws {
        try AtomicFile.write(fileData(), to: url)
    }
}
