// Fuzz target: the safetensors reader, `SafeTensors.decode` (from bytes, as `read` does
// after mapping the file). A file that decodes must survive an encode-and-decode round
// trip with the same names, shapes, values (bit for bit) and metadata.
import Foundation
import FuzzSupport
import LoomNN
import LoomTensor

func fuzzOne(_ bytes: [UInt8]) {
    guard let (tensors, metadata) = try? SafeTensors.decode(Data(bytes), source: "<fuzz>", headerLimit: 1 << 20) else { return }
    for (name, tensor) in tensors where tensor.shape.reduce(1, *) != tensor.data.count {
        Fuzz.fail("tensor \(name) has shape \(tensor.shape) but \(tensor.data.count) values")
    }
    let encoded: Data
    do { encoded = try SafeTensors.encode(tensors, metadata: metadata) } catch {
        return  // names or metadata the writer refuses (reported, not crashed)
    }
    guard let (again, metadataAgain) = try? SafeTensors.decode(encoded) else { Fuzz.fail("encoded tensors do not decode") }
    if metadataAgain != metadata { Fuzz.fail("metadata changed in the round trip") }
    if Set(again.keys) != Set(tensors.keys) { Fuzz.fail("names changed in the round trip") }
    for (name, tensor) in tensors {
        guard let other = again[name], other.shape == tensor.shape,
              other.data.map(\.bitPattern) == tensor.data.map(\.bitPattern) else { Fuzz.fail("tensor \(name) changed in the round trip") }
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
