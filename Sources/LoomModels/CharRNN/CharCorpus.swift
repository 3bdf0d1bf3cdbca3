import Foundation
import LoomText

/// The text a character model trains on: one or more UTF-8 files read strictly (invalid UTF-8 is an
/// error naming the file and byte offset), encoded with a `CharVocabulary`, and split into a training
/// part and a held-out validation part (the last `validationFraction` of the characters).
public struct CharCorpus: Sendable {
    /// The files, in reading order.
    public var sources: [URL]
    /// Every character of every file, in order, as vocabulary ids.
    public var ids: [Int32]
    /// Number of leading ids used for training; the rest is validation.
    public var trainCount: Int

    /// Training ids (the first `trainCount`).
    public var train: ArraySlice<Int32> { ids[..<trainCount] }
    /// Validation ids (the rest).
    public var validation: ArraySlice<Int32> { ids[trainCount...] }

    /// Reads the files' text, in order; an empty list or a corpus with no characters is an error.
    public static func readTexts(_ sources: [URL]) throws -> [String] {
        guard !sources.isEmpty else { throw ModelError.invalidOption("give at least one --corpus file") }
        let texts = try sources.map { try TextFile.readUTF8($0) }
        guard texts.contains(where: { !$0.isEmpty }) else {
            throw ModelError.invalidData("\(sources.map(\.path).joined(separator: ", ")): the corpus is empty; give a text file with at least a few thousand characters")
        }
        return texts
    }

    /// The character vocabulary of `texts`: every distinct character, sorted by code points. Each file
    /// counts on its own, as `init` encodes it: a file ending in CR and the next starting with LF give
    /// the symbols "\r" and "\n", not the one CR LF grapheme that joining the texts would make.
    public static func vocabulary(of texts: [String]) -> CharVocabulary {
        var distinct = Set<String>()
        for text in texts { distinct.formUnion(CharVocabulary.build(from: text).symbols) }
        let sorted = distinct.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
        // Distinct, non-empty symbols by construction, so the validating initialiser cannot fail.
        return (try? CharVocabulary(symbols: sorted)) ?? CharVocabulary.build(from: texts.joined())
    }

    /// Encodes the texts with `vocabulary`; a character it lacks is an error naming the file.
    /// Each file is encoded on its own so characters never merge across file boundaries.
    public init(sources: [URL], texts: [String], vocabulary: CharVocabulary, validationFraction: Double) throws {
        var ids: [Int32] = []
        ids.reserveCapacity(texts.reduce(0) { $0 + $1.utf8.count })
        for (source, text) in zip(sources, texts) {
            for character in text {
                guard let index = vocabulary.index(of: String(character)) else {
                    throw ModelError.invalidData("\(source.path): character \(CharCorpus.visible(String(character))) is not in the model's character vocabulary; a resumed run must train on the same corpus")
                }
                ids.append(Int32(index))
            }
        }
        self.sources = sources
        self.ids = ids
        let validationCount = Int((Double(ids.count) * validationFraction).rounded(.down))
        trainCount = ids.count - validationCount
    }

    /// A 64-bit FNV-1a hash of the ids, as hex; a resumed run checks that it trains on the same text.
    public var fingerprint: String {
        var hash = FNV1a()
        for id in ids {
            var value = UInt32(bitPattern: id)
            for _ in 0..<4 {  // little-endian bytes of each id
                hash.add(UInt8(value & 0xFF))
                value >>= 8
            }
        }
        return hash.hex
    }

    /// A character as it can be shown in a message: quoted, escaped as in the vocabulary file.
    static func visible(_ symbol: String) -> String {
        "\"" + CharVocabulary.escape(symbol) + "\""
    }
}
