// Fuzz target: the vocabulary file readers, `Vocabulary(contentsOf:)` and
// `CharVocabulary(contentsOf:)`. Input: the file. A file that reads must survive a
// write-and-read round trip unchanged.
import Foundation
import FuzzSupport
import LoomText

func fuzzOne(_ bytes: [UInt8]) {
    let url = Fuzz.write(bytes, to: "vocabulary.txt")
    if let vocabulary = try? Vocabulary(contentsOf: url) {
        let again = Fuzz.write(vocabulary.fileData(), to: "vocabulary-again.txt")
        guard let reread = try? Vocabulary(contentsOf: again) else { Fuzz.fail("written vocabulary does not read back") }
        if reread != vocabulary { Fuzz.fail("vocabulary round trip changed \(vocabulary.tokens) to \(reread.tokens)") }
        for (index, token) in vocabulary.tokens.enumerated() where vocabulary.id(for: token) != Int32(index) {
            Fuzz.fail("token \(token.debugDescription) at \(index) has id \(vocabulary.id(for: token))")
        }
    }
    if let characters = try? CharVocabulary(contentsOf: url) {
        let again = Fuzz.write(characters.fileData(), to: "characters-again.txt")
        guard let reread = try? CharVocabulary(contentsOf: again) else { Fuzz.fail("written character vocabulary does not read back") }
        if reread != characters { Fuzz.fail("character vocabulary round trip changed \(characters.symbols) to \(reread.symbols)") }
        _ = try? characters.encode(characters.symbols.joined(), unknown: .skip)
    }
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
