import Foundation
@testable import LoomText
import XCTest

/// Unicode's own segmentation conformance tests (UAX #29: `GraphemeBreakTest.txt` and
/// `WordBreakTest.txt`, Unicode 15.0 = ICU 72) run through Loom's tokenizers.
///
/// - Grapheme clusters: every case through `CharacterTokenizer(unit: .graphemes)` (what
///   `loom tokenize --chars` uses); the pieces must equal the expected clusters.
/// - Words: every case through `Tokenizer` with the options of
///   `loom tokenize --keep-punctuation --no-case-fold --keep-markup`, with the ASCII fast
///   path and without it. The tokenizer does not return every segment, so the expected
///   tokens are the *word-like* segments, by the rule `Tokenizer` documents:
///   a segment is kept when it contains an emoji (an Extended_Pictographic or
///   Regional_Indicator scalar), or when its base (its first scalar whose Word_Break
///   value is not Extend, Format or ZWJ) exists and is not White_Space, a control, format
///   or unassigned character, or a mark. So whitespace runs (with any marks attached)
///   and segments made only of marks, format characters and joiners are dropped.
///   Kept segments are NFKC-normalized as the tokenizer does (with the characters of the
///   test data that only composes, e.g. a + U+0308 → ä; `String ==` compares canonical
///   equivalents equal anyway).
/// - ICU's tailoring: ICU's root word rules take U+003A COLON out of MidLetter (UAX #29
///   puts it there for Swedish "k:a"). Cases where the expected segmentation joins a
///   colon to letters are *tailored*: the colon then breaks on both sides (it stays its
///   own segment, with any Extend/Format/ZWJ after it), and the adjusted case must pass.
///   They are counted and named in the assertion message.
///
/// Skipped (`XCTSkip`) when Debian's `unicode-data` package is not installed.
final class UnicodeConformanceTests: XCTestCase {
    static let unicodeData = URL(fileURLWithPath: "/usr/share/unicode")

    /// One test case: scalars, and for each scalar whether there is a break before it.
    struct Case {
        var line: Int
        var scalars: [Unicode.Scalar]
        var breakBefore: [Bool]

        var text: String { String(String.UnicodeScalarView(scalars)) }

        /// The segments between breaks.
        var segments: [[Unicode.Scalar]] {
            var result: [[Unicode.Scalar]] = []
            for (scalar, isBreak) in zip(scalars, breakBefore) {
                if isBreak || result.isEmpty { result.append([scalar]) } else { result[result.count - 1].append(scalar) }
            }
            return result
        }
    }

    /// Parses `÷ 0020 × 0308 ÷ # comment` lines.
    static func cases(_ name: String) throws -> [Case] {
        let url = unicodeData.appendingPathComponent("auxiliary/\(name)")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw XCTSkip("\(url.path) not found: install Debian's unicode-data")
        }
        var result: [Case] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard !fields.isEmpty else { continue }
            var item = Case(line: index + 1, scalars: [], breakBefore: [])
            var pendingBreak = true
            for field in fields {
                switch field {
                case "÷": pendingBreak = true
                case "×": pendingBreak = false
                default:
                    guard let value = UInt32(field, radix: 16), let scalar = Unicode.Scalar(value) else {
                        throw XCTSkip("\(name):\(index + 1): cannot parse \"\(field)\"")
                    }
                    item.scalars.append(scalar)
                    item.breakBefore.append(pendingBreak)
                }
            }
            XCTAssertTrue(pendingBreak, "\(name):\(index + 1) does not end with ÷")
            if !item.scalars.isEmpty { result.append(item) }
        }
        return result
    }

    /// Code points with the given values of a UCD property file (`0308 ; Extend # …`).
    static func property(_ path: String, values: Set<String>) throws -> Set<UInt32> {
        let url = unicodeData.appendingPathComponent(path)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw XCTSkip("\(url.path) not found: install Debian's unicode-data")
        }
        var result = Set<UInt32>()
        for rawLine in text.split(separator: "\n") {
            let data = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let parts = data.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count >= 2, values.contains(parts[1]) else { continue }
            let bounds = parts[0].components(separatedBy: "..").compactMap { UInt32($0, radix: 16) }
            guard let low = bounds.first, let high = bounds.last else { continue }
            result.formUnion(low...high)
        }
        return result
    }

    func testGraphemeBreakConformance() throws {
        let cases = try Self.cases("GraphemeBreakTest.txt")
        let tokenizer = CharacterTokenizer(unit: .graphemes)
        var failures: [String] = []
        for item in cases {
            let expected = item.segments.map { String(String.UnicodeScalarView($0)) }
            let actual = tokenizer.tokenize(item.text)
            // Compare scalar by scalar: String == would call canonical equivalents equal.
            if actual.map({ Array($0.unicodeScalars) }) != expected.map({ Array($0.unicodeScalars) }) {
                failures.append("line \(item.line): \(Self.describe(expected)) got \(Self.describe(actual))")
            }
        }
        let summary = "grapheme clusters: \(cases.count) cases run, \(cases.count - failures.count) passed"
        print(summary)
        XCTAssertGreaterThan(cases.count, 500)
        XCTAssertTrue(failures.isEmpty, summary + "; failures:\n" + failures.prefix(20).joined(separator: "\n"))
    }

    func testWordBreakConformance() throws {
        let cases = try Self.cases("WordBreakTest.txt")
        let ignorable = try Self.property("auxiliary/WordBreakProperty.txt", values: ["Extend", "Format", "ZWJ"])
        let letters = try Self.property("auxiliary/WordBreakProperty.txt", values: ["ALetter", "Hebrew_Letter"])
        let emoji = try Self.property("emoji/emoji-data.txt", values: ["Extended_Pictographic"])
            .union(Self.property("auxiliary/WordBreakProperty.txt", values: ["Regional_Indicator"]))

        /// Whether the tokenizer keeps `segment` (the rule of the type's documentation).
        func isWordLike(_ segment: [Unicode.Scalar]) -> Bool {
            if segment.contains(where: { emoji.contains($0.value) }) { return true }
            guard let base = segment.first(where: { !ignorable.contains($0.value) }) else { return false }
            if base.properties.isWhitespace { return false }
            switch base.properties.generalCategory {
            case .control, .format, .unassigned, .nonspacingMark, .enclosingMark: return false
            default: return true
            }
        }

        var options = TokenizerOptions(caseFold: false, keepPunctuation: true, stripMarkup: false)
        let fast = try Tokenizer(options: options)
        options.asciiFastPath = false
        let icu = try Tokenizer(options: options)

        var failures: [String] = []
        var tailored: [Int] = []
        for var item in cases {
            if Self.tailorColon(&item, letters: letters, ignorable: ignorable) { tailored.append(item.line) }
            let expected = item.segments.filter(isWordLike).map {
                String(String.UnicodeScalarView($0)).precomposedStringWithCompatibilityMapping
            }
            for (name, tokenizer) in [("fast path", fast), ("ICU only", icu)] {
                let actual = tokenizer.tokenize(item.text)
                if actual.map({ Array($0.unicodeScalars) }) != expected.map({ Array($0.unicodeScalars) }) {
                    failures.append("line \(item.line) (\(name)): \(Self.describe(expected)) got \(Self.describe(actual))")
                }
            }
        }
        let failedCases = Set(failures.map { $0.split(separator: " ")[1] }).count
        XCTAssertGreaterThan(cases.count, 1800)
        XCTAssertGreaterThan(tailored.count, 0, "the colon tailoring no longer applies to any case: remove it")
        let summary = "words: \(cases.count) cases run, \(cases.count - failedCases) passed "
            + "(\(tailored.count) tailored for ICU's colon rule: lines \(tailored.map(String.init).joined(separator: ", ")))"
        print(summary)
        XCTAssertTrue(failures.isEmpty, summary + "; failures:\n" + failures.prefix(20).joined(separator: "\n"))
    }

    /// Applies ICU's root tailoring (U+003A is not MidLetter) to `item`: a colon that the
    /// expected segmentation joins to a letter before it breaks on both sides instead.
    /// Returns whether anything changed.
    static func tailorColon(_ item: inout Case, letters: Set<UInt32>, ignorable: Set<UInt32>) -> Bool {
        var changed = false
        for index in item.scalars.indices where item.scalars[index] == ":" && !item.breakBefore[index] {
            let before = item.scalars[..<index].last { !ignorable.contains($0.value) }
            guard let before, letters.contains(before.value) else { continue }
            item.breakBefore[index] = true
            if let next = item.scalars.indices.first(where: { $0 > index && !ignorable.contains(item.scalars[$0].value) }) {
                item.breakBefore[next] = true
            }
            changed = true
        }
        return changed
    }

    static func describe(_ segments: [String]) -> String {
        "[" + segments.map { $0.unicodeScalars.map { String($0.value, radix: 16, uppercase: true) }.joined(separator: " ") }
            .joined(separator: " | ") + "]"
    }
}
