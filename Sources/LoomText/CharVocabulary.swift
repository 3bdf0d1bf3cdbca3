import Foundation

/// What `CharVocabulary.encode` does with characters it does not know.
public enum UnknownCharacterPolicy: Equatable, Sendable {
    /// Throw `TextError.unknownCharacters` listing every distinct unknown character.
    case error
    /// Leave unknown characters out.
    case skip
    /// Encode unknown characters as this index.
    case replace(with: Int32)
}

/// The symbol set of a character-level model: every distinct character of a text,
/// sorted by code points (so builds are deterministic), index = position.
///
/// File format (UTF-8): a header line `#loom-chars unit=graphemes` (or `unit=scalars`),
/// then one symbol a line. Control characters and the backslash are escaped so that every
/// symbol fits on one visible line: `\n`, `\r`, `\t`, `\\`, and `\u{HEX}` for other
/// control and format characters (C0, DEL, C1, U+2028, U+2029). The grapheme CR LF is written `\r\n`.
/// Files without the header are read as graphemes. Characters are split by
/// `CharacterTokenizer` (ICU's grapheme clusters).
public struct CharVocabulary: Equatable, Sendable {
    /// The symbols, index = id.
    public let symbols: [String]
    /// Whether symbols are grapheme clusters or Unicode scalars.
    public let unit: CharacterUnit
    private let indices: [String: Int32]
    /// `indices` of the 128 one-byte (ASCII) symbols, -1 when absent: `encode` looks those
    /// up without making a string (a one-scalar ASCII string has no canonical equivalent).
    private let asciiIndices: [Int32]

    /// Number of symbols.
    public var count: Int { symbols.count }

    /// Every distinct character of `text`, sorted by code points.
    public static func build(from text: String, unit: CharacterUnit = .graphemes) -> CharVocabulary {
        var distinct = Set<String>()
        var seenASCII = [Bool](repeating: false, count: 128)
        CharacterTokenizer(unit: unit).forEachCharacter(in: text) { character in
            if character.count == 1, character[0] < 0x80 {
                if seenASCII[Int(character[0])] { return }
                seenASCII[Int(character[0])] = true
            }
            distinct.insert(String(decoding: character, as: UTF8.self))
        }
        let sorted = distinct.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
        // swiftlint:disable:next force_try
        return try! CharVocabulary(symbols: sorted, unit: unit)  // distinct by construction
    }

    /// Validates a symbol list: no duplicates, no empty symbols.
    public init(symbols: [String], unit: CharacterUnit = .graphemes) throws {
        try self.init(symbols: symbols, unit: unit, path: nil, firstLine: 1)
    }

    init(symbols: [String], unit: CharacterUnit, path: String?, firstLine: Int) throws {
        var indices: [String: Int32] = [:]
        for (index, symbol) in symbols.enumerated() {
            if symbol.isEmpty { throw TextError.invalidToken(path: path, line: index + firstLine, reason: "empty symbol") }
            if let first = indices[symbol] {
                throw TextError.duplicateToken(path: path, line: index + firstLine, token: Self.escape(symbol), firstLine: Int(first) + firstLine)
            }
            indices[symbol] = Int32(index)
        }
        var asciiIndices = [Int32](repeating: -1, count: 128)
        for (symbol, index) in indices where symbol.utf8.count == 1 { asciiIndices[Int(symbol.utf8.first!)] = index }
        self.symbols = symbols
        self.unit = unit
        self.indices = indices
        self.asciiIndices = asciiIndices
    }

    /// The index of `symbol`, or nil.
    public func index(of symbol: String) -> Int? { indices[symbol].map(Int.init) }

    /// Indices of the characters of `text` (split by this vocabulary's `unit`).
    public func encode(_ text: String, unknown: UnknownCharacterPolicy = .error) throws -> [Int32] {
        var result: [Int32] = []
        result.reserveCapacity(text.utf8.count)
        var missing: [String] = []
        var missingSet = Set<String>()
        func add(_ symbol: String) {
            if let index = indices[symbol] { result.append(index); return }
            switch unknown {
            case .error: if missingSet.insert(symbol).inserted { missing.append(symbol) }
            case .skip: break
            case let .replace(with: index): result.append(index)
            }
        }
        CharacterTokenizer(unit: unit).forEachCharacter(in: text) { character in
            if character.count == 1, character[0] < 0x80, asciiIndices[Int(character[0])] >= 0 {
                result.append(asciiIndices[Int(character[0])])
            } else {
                add(String(decoding: character, as: UTF8.self))
            }
        }
        if !missing.isEmpty { throw TextError.unknownCharacters(missing) }
        return result
    }

    /// The text of `ids`; out-of-range ids are skipped.
    public func decode(_ ids: [Int32]) -> String {
        var text = ""
        for id in ids where id >= 0 && Int(id) < symbols.count { text += symbols[Int(id)] }
        return text
    }

    public static func == (lhs: CharVocabulary, rhs: CharVocabulary) -> Bool {
        lhs.symbols == rhs.symbols && lhs.unit == rhs.unit
    }
}

extension CharVocabulary {
    static let headerPrefix = "#loom-chars unit="

    /// Reads a character vocabulary file (see the type's documentation for the format).
    public init(contentsOf url: URL) throws {
        try self.init(fileContents: try TextFile.readBytes(url), path: url.path)
    }

    /// Parses the bytes of a character vocabulary file; `path` names it in errors.
    public init(fileContents data: Data, path: String) throws {
        let text = try TextFile.decodeVocabulary(data, path: path)
        let url = URL(fileURLWithPath: path)
        var lines = Lines.split(text)
        var unit = CharacterUnit.graphemes
        var firstLine = 1
        if let header = lines.first, header.hasPrefix(Self.headerPrefix) {
            let name = String(header.dropFirst(Self.headerPrefix.count))
            guard let parsed = CharacterUnit(rawValue: name) else {
                throw TextError.invalidToken(path: url.path, line: 1, reason: "unknown unit \"\(name)\" (use graphemes or scalars)")
            }
            unit = parsed
            lines.removeFirst()
            firstLine = 2
        }
        var symbols: [String] = []
        symbols.reserveCapacity(lines.count)
        for (index, line) in lines.enumerated() {
            guard let symbol = Self.unescape(line) else {
                throw TextError.invalidEscape(path: url.path, line: index + firstLine, text: line)
            }
            symbols.append(symbol)
        }
        try self.init(symbols: symbols, unit: unit, path: url.path, firstLine: firstLine)
    }

    /// The file contents: header, then one escaped symbol a line.
    public func fileData() -> Data {
        var text = Self.headerPrefix + unit.rawValue + "\n"
        for symbol in symbols { text += Self.escape(symbol); text += "\n" }
        return Data(text.utf8)
    }

    /// Writes the vocabulary atomically (temporary file + rename).
    public func write(to url: URL) throws {
        try AtomicFile.write(fileData(), to: url)
    }

    /// A symbol as written in the file: control characters and backslash escaped.
    public static func escape(_ symbol: String) -> String {
        var out = ""
        for scalar in symbol.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\\": out += "\\\\"
            case _ where needsEscape(scalar): out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        return v < 0x20 || (v >= 0x7F && v < 0xA0) || v == 0x2028 || v == 0x2029
    }

    /// Inverse of `escape`; nil for a malformed escape.
    static func unescape(_ line: String) -> String? {
        guard line.contains("\\") else { return line }
        var out = String.UnicodeScalarView()
        var scalars = line.unicodeScalars.makeIterator()
        while let scalar = scalars.next() {
            guard scalar == "\\" else { out.append(scalar); continue }
            switch scalars.next() {
            case "n": out.append("\n")
            case "r": out.append("\r")
            case "t": out.append("\t")
            case "\\": out.append("\\")
            case "u":
                guard scalars.next() == "{" else { return nil }
                var hex = ""
                while let digit = scalars.next(), digit != "}" { hex.unicodeScalars.append(digit) }
                guard hex.count <= 6, let value = UInt32(hex, radix: 16), let decoded = Unicode.Scalar(value) else { return nil }
                out.append(decoded)
            default: return nil
            }
        }
        return String(out)
    }
}
