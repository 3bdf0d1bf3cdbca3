// Fuzz target: the character model's resume state (`resume/state.json`, `CharTrainingState`),
// decoded as `CharTrainingCheckpoint.readState` does, its options validated, and a JSON
// round trip of what decodes.
import Foundation
import FuzzSupport
// `@testable import` needs modules built for testing, as debug builds are; a release build
// (`swift build -c release` builds every target) gets a stub instead.
#if DEBUG
@testable import LoomModels

func fuzzOne(_ bytes: [UInt8]) {
    guard let state = try? JSONDecoder().decode(CharTrainingState.self, from: Data(bytes)) else { return }
    _ = try? state.options.validate()
    guard let data = try? JSONEncoder().encode(state) else { Fuzz.fail("a decoded state does not encode") }
    guard let again = try? JSONDecoder().decode(CharTrainingState.self, from: data) else { Fuzz.fail("an encoded state does not decode") }
    if again.step != state.step || again.epoch != state.epoch || again.window != state.window || again.layout != state.layout
        || again.pending != state.pending || again.corpus != state.corpus || again.options != state.options {
        Fuzz.fail("resume state changed in a JSON round trip")
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
#else
@main
enum ReleaseStub {
    static func main() {
        FileHandle.standardError.write(Data("FuzzResumeState needs a debug build (it uses @testable import LoomModels)\n".utf8))
        exit(2)
    }
}
#endif
