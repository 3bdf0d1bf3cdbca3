import Foundation
import LoomText

/// `loom-bench chars [PATH] [--repeats N]`: builds a character vocabulary from a text
/// (War and Peace by default) and encodes the whole text with it; median of N runs.
func runCharVocabularyBenchmark(arguments: [String]) throws {
    var path = "../shared/datasets/warpeace/input.txt"
    var repeats = 5
    var rest = arguments[...]
    while let argument = rest.popFirst() {
        switch argument {
        case "--repeats": repeats = Int(rest.popFirst() ?? "") ?? repeats
        default: path = argument
        }
    }
    let text = try TextFile.readUTF8(URL(fileURLWithPath: path))
    let megabytes = Double(text.utf8.count) / 1e6
    var buildTimes: [Double] = [], encodeTimes: [Double] = []
    var symbols = 0, encoded = 0
    for _ in 0..<max(1, repeats) {
        let start = DispatchTime.now().uptimeNanoseconds
        let vocabulary = CharVocabulary.build(from: text)
        let built = DispatchTime.now().uptimeNanoseconds
        encoded = try vocabulary.encode(text).count
        let end = DispatchTime.now().uptimeNanoseconds
        symbols = vocabulary.count
        buildTimes.append(Double(built - start) / 1e9)
        encodeTimes.append(Double(end - built) / 1e9)
    }
    func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
    print(String(format: "{\"bench\":\"chars\",\"build_s\":%.4f,\"encode_s\":%.4f,\"mb\":%.2f,\"encode_mb_per_s\":%.2f,\"symbols\":%d,\"characters\":%d,\"repeats\":%d}",
                 median(buildTimes), median(encodeTimes), megabytes, megabytes / median(encodeTimes), symbols, encoded, repeats))
}
