// Fuzz target: the config.json readers of both model kinds, `SentimentConfiguration` and
// `CharModelConfiguration`: JSON decoding, `validate()`, and what loading derives from a
// valid configuration (recurrent layout, tokenizer options, a JSON round trip).
import Foundation
import FuzzSupport
import LoomModels

func roundTrip<T: Codable & Equatable>(_ value: T) {
    guard let data = try? JSONEncoder().encode(value) else { Fuzz.fail("a decoded \(T.self) does not encode") }
    guard let again = try? JSONDecoder().decode(T.self, from: data) else { Fuzz.fail("an encoded \(T.self) does not decode") }
    if again != value { Fuzz.fail("\(T.self) changed in a JSON round trip: \(value) → \(again)") }
}

func fuzzOne(_ bytes: [UInt8]) {
    let data = Data(bytes)
    if let configuration = try? JSONDecoder().decode(SentimentConfiguration.self, from: data), (try? configuration.validate()) != nil {
        _ = configuration.recurrent
        _ = configuration.tokenizerOptions
        _ = configuration.outputSize
        roundTrip(configuration)
    }
    if let configuration = try? JSONDecoder().decode(CharModelConfiguration.self, from: data), (try? configuration.validate()) != nil {
        _ = configuration.recurrent
        if !configuration.architectureDifferences(from: configuration).isEmpty { Fuzz.fail("a configuration differs from itself") }
        roundTrip(configuration)
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
