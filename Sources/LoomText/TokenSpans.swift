import CICU

/// A token and where it came from in the original text.
public struct TokenSpan: Sendable, Equatable {
    /// The token as the tokenizer gives it (normalized: case-folded, NFKC).
    public var token: String
    /// The characters of the original text that normalize to the token; nil when it could not be traced
    /// (a normalization that merges characters across the token's edge — rare).
    public var range: Range<String.Index>?
    /// The same range in Unicode scalars (code points) from the start of the text: Python's `str` indices,
    /// and JavaScript's `Array.from(text)` indices.
    public var scalarOffsets: Range<Int>?
}

extension Tokenizer {
    /// The tokens of `text` (exactly `tokenize(text)`), each with the part of `text` it came from.
    ///
    /// The word breaker works on normalized text, so the positions are recovered afterwards: every
    /// grapheme cluster of the original is normalized on its own (the tokenizer's own normalization, in C),
    /// markup tags are skipped as the tokenizer skips them, an HTML character reference is one source of
    /// the character it decodes to, and each token is found in order in that
    /// stream, starting at a cluster boundary after the previous token. A token that cannot be found keeps
    /// `range == nil` and does not move the search on.
    public func tokenSpans(in text: String) -> [TokenSpan] {
        let tokens = tokenize(text)
        guard !tokens.isEmpty else { return [] }
        // The normalized stream, and for each of its bytes the cluster it came from.
        var stream: [UInt8] = []
        var owner: [Int32] = []
        var clusterBounds: [(start: String.Index, end: String.Index, scalars: Range<Int>)] = []
        let utf8 = Array(text.utf8)
        let stripMarkup = options.stripMarkup, caseFold = options.caseFold
        let decodesEntities = stripMarkup && options.webText
        var scalarOffset = 0, byteOffset = 0
        var skipUntil = 0  // UTF-8 offset up to which a markup tag is being skipped
        pool.withTokenizer { tokenizer in
            var index = text.startIndex
            while index < text.endIndex {
                let next = text.index(after: index)
                let byteStart = byteOffset, byteEnd = byteOffset + text.utf8[index..<next].count
                let scalarCount = text.unicodeScalars[index..<next].count
                defer {
                    scalarOffset += scalarCount
                    byteOffset = byteEnd
                    index = next
                }
                if byteStart < skipUntil { continue }
                if decodesEntities && utf8[byteStart] == UInt8(ascii: "&") {
                    var codepoint: Int32 = 0
                    let reference = utf8.withUnsafeBufferPointer {
                        Int(loom_html_entity($0.baseAddress!, Int32(byteStart), Int32($0.count), &codepoint))
                    }
                    if reference > 0, let scalar = Unicode.Scalar(UInt32(codepoint)) {
                        // The whole reference is one source of the character it stands for (ASCII bytes:
                        // one scalar each).
                        skipUntil = byteStart + reference
                        let end = text.utf8.index(index, offsetBy: reference)
                        let cluster = Int32(clusterBounds.count)
                        clusterBounds.append((index, end, scalarOffset..<(scalarOffset + reference)))
                        var character = Array(String(Character(scalar)).utf8)
                        let normalized = character.withUnsafeMutableBufferPointer {
                            tokenizer.normalize(utf8: UnsafeBufferPointer($0))
                        }
                        if !normalized.isEmpty { character = normalized }
                        stream.append(contentsOf: character)
                        owner.append(contentsOf: repeatElement(cluster, count: character.count))
                        continue
                    }
                }
                if stripMarkup && utf8[byteStart] == UInt8(ascii: "<") {
                    let tag = utf8.withUnsafeBufferPointer {
                        Int(loom_markup_length($0.baseAddress!, Int32(byteStart), Int32($0.count)))
                    }
                    if tag > 0 {
                        skipUntil = byteStart + tag
                        stream.append(0x20)  // a tag separates words, as in the tokenizer
                        owner.append(-1)
                        continue
                    }
                }
                let cluster = Int32(clusterBounds.count)
                clusterBounds.append((index, next, scalarOffset..<(scalarOffset + scalarCount)))
                if byteEnd - byteStart == 1, utf8[byteStart] < 0x80 {
                    var byte = utf8[byteStart]
                    if caseFold, byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z") { byte += 32 }
                    stream.append(byte)
                    owner.append(cluster)
                } else {
                    let normalized = utf8.withUnsafeBufferPointer {
                        tokenizer.normalize(utf8: UnsafeBufferPointer(rebasing: $0[byteStart..<byteEnd]))
                    }
                    stream.append(contentsOf: normalized)
                    owner.append(contentsOf: repeatElement(cluster, count: normalized.count))
                }
            }
        }
        var spans: [TokenSpan] = []
        spans.reserveCapacity(tokens.count)
        var cursor = 0
        for token in tokens {
            let needle = Array(token.utf8)
            var found: Int?
            var position = cursor
            while position + needle.count <= stream.count {
                let atBoundary = owner[position] >= 0 && (position == 0 || owner[position - 1] != owner[position])
                let endsAtBoundary = position + needle.count == stream.count
                    || owner[position + needle.count] != owner[position + needle.count - 1]
                if atBoundary && endsAtBoundary && stream[position] == needle[0]
                    && stream[position..<(position + needle.count)].elementsEqual(needle) {
                    found = position
                    break
                }
                position += 1
            }
            guard let start = found, !needle.isEmpty else {
                spans.append(TokenSpan(token: token, range: nil, scalarOffsets: nil))
                continue
            }
            let first = clusterBounds[Int(owner[start])], last = clusterBounds[Int(owner[start + needle.count - 1])]
            spans.append(TokenSpan(token: token, range: first.start..<last.end,
                                   scalarOffsets: first.scalars.lowerBound..<last.scalars.upperBound))
            cursor = start + needle.count
        }
        return spans
    }
}
