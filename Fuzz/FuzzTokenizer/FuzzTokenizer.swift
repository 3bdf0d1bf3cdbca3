// Fuzz target: the word tokenizer (ASCII fast path and ICU path, which must agree), the C
// lookup path behind `Vocabulary.encode(text:tokenizer:)`, and the character tokenizer
// (graphemes with and without the ASCII shortcut, scalars).
// Input: byte 0 picks the options (bits: case fold, keep punctuation, strip markup);
// the rest is the text (invalid UTF-8 is repaired to U+FFFD, as Swift strings are).
import Foundation
import FuzzSupport
// `@testable import` needs modules built for testing, as debug builds are; a release build
// (`swift build -c release` builds every target) gets a stub instead.
#if DEBUG
@testable import LoomText

let optionSets: [(fast: Tokenizer, icu: Tokenizer)] = (0..<8).map { bits in
    var options = TokenizerOptions(caseFold: bits & 1 != 0, keepPunctuation: bits & 2 != 0, stripMarkup: bits & 4 != 0)
    // swiftlint:disable force_try
    let fast = try! Tokenizer(options: options)
    options.asciiFastPath = false
    return (fast, try! Tokenizer(options: options))
    // swiftlint:enable force_try
}
let vocabulary = try! Vocabulary(tokens: ["<pad>", "<unk>", "the", "a", "didn't", "10", "é", "👍", "!", ",", "我", "喜欢", "ab", "_"])
let graphemesFast = CharacterTokenizer(unit: .graphemes)
let graphemesICU: CharacterTokenizer = {
    var tokenizer = CharacterTokenizer(unit: .graphemes)
    tokenizer.asciiFastPath = false
    return tokenizer
}()
let scalars = CharacterTokenizer(unit: .scalars)

func fuzzOne(_ bytes: [UInt8]) {
    guard let first = bytes.first else { return }
    let text = String(decoding: bytes.dropFirst(), as: UTF8.self)
    let (fast, icu) = optionSets[Int(first & 7)]
    let tokens = fast.tokenize(text)
    let reference = icu.tokenize(text)
    if tokens != reference { Fuzz.fail("fast path \(tokens) != ICU \(reference) for \(text.debugDescription)") }
    if tokens.contains(where: \.isEmpty) { Fuzz.fail("empty token for \(text.debugDescription)") }
    let ids = vocabulary.encode(text: text, tokenizer: fast)
    if ids != vocabulary.encode(tokens) { Fuzz.fail("lookup ids \(ids) != encode(tokens) for \(text.debugDescription)") }

    let clusters = graphemesFast.tokenize(text)
    let clustersICU = graphemesICU.tokenize(text)
    if clusters.map({ Array($0.utf8) }) != clustersICU.map({ Array($0.utf8) }) {
        Fuzz.fail("grapheme shortcut \(clusters) != ICU \(clustersICU) for \(text.debugDescription)")
    }
    if clusters.joined() != text || clusters.contains(where: \.isEmpty) { Fuzz.fail("graphemes do not rebuild \(text.debugDescription)") }
    let pieces = scalars.tokenize(text)
    if pieces.count != text.unicodeScalars.count || pieces.joined() != text { Fuzz.fail("scalars do not rebuild \(text.debugDescription)") }
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    fuzzOne(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// With FUZZING: libFuzzer's driver, calling `fuzz` with every input.
@main
enum FuzzMain {
    static func main() { Fuzz.runLibFuzzer { data, size in data.map { fuzz($0, size) } ?? 0 } }
}
#else
/// Without FUZZING: replays the files and folders named on the command line.
@main
enum Replay {
    static func main() { exit(Fuzz.replay(arguments: CommandLine.arguments, fuzzOne)) }
}
#endif
#else
@main
enum ReleaseStub {
    static func main() {
        FileHandle.standardError.write(Data("FuzzTokenizer needs a debug build (it uses @testable import LoomText)\n".utf8))
        exit(2)
    }
}
#endif
