// Fuzz target: the labelled-corpus readers (`LabelledCorpus`: TSV, CSV, UCI-style .txt,
// aclImdb folders) and `TextCorpus`, through temporary files as their API takes URLs.
// Input: byte 0 picks the layout (bits 0-1: .tsv, .csv, .txt, folder; bit 2: lossy;
// bit 3: test split; bit 4: labels `.any`); the rest is the file. For a folder, the rest
// is split at NUL bytes into up to 6 review files, alternately under train/pos, train/neg
// (and test/pos, test/neg from the third on).
import Foundation
import FuzzSupport
import LoomText

func fuzzOne(_ bytes: [UInt8]) {
    guard let first = bytes.first else { return }
    let body = bytes.dropFirst()
    let folder = Fuzz.scratch.appendingPathComponent("case")
    Fuzz.remove(folder)
    defer { Fuzz.remove(folder) }
    let url: URL
    switch first & 3 {
    case 0: url = Fuzz.write(body, to: "corpus.tsv", in: folder)
    case 1: url = Fuzz.write(body, to: "corpus.csv", in: folder)
    case 2: url = Fuzz.write(body, to: "corpus.txt", in: folder)
    default:
        url = folder.appendingPathComponent("aclImdb")
        let files = body.split(separator: 0, maxSplits: 5, omittingEmptySubsequences: false)
        for (index, file) in files.enumerated() {
            let split = index < 2 ? "train" : "test"
            Fuzz.write(file, to: "aclImdb/\(split)/\(index % 2 == 0 ? "pos" : "neg")/\(index)_7.txt", in: folder)
        }
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    let options = CorpusOptions(split: first & 8 != 0 ? .test : .train, lossy: first & 4 != 0,
                                labels: first & 16 != 0 ? .any : .automatic)
    if let contents = try? LabelledCorpus.load(url, options: options) {
        if contents.items.isEmpty { Fuzz.fail("a corpus without items was accepted") }
        for item in contents.items where item.text.isEmpty || item.label.isEmpty {
            Fuzz.fail("empty text or label accepted: \(item)")
        }
    }
    _ = try? TextCorpus.load(url, options: options)
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
