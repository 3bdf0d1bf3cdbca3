import Foundation
import LoomNN
import LoomTensor

/// `loom-bench recurrent [--repeats N] [--cells lstm,gru] [--threads N] [--slices N]`
///
/// --threads sets OpenBLAS threads for the large products; --slices the batch slices the time loops run in parallel.
///
/// Times forward + backward of `RecurrentNetwork` alone (no embedding, head or optimizer) at the shapes:
///   sentiment: T=200, B=64, I=128, H=128, gradient from the last state only ("last") or from every step ("all");
///   char:      T=100, B=32, I=64,  H=256, 2 layers, gradient from every step.
/// Prints one JSON line per figure (median over the repeats, after one warm-up), then the sgemm ceiling
/// (1024³) measured in the same run, so achieved GFLOP/s can be compared with it.
func runRecurrentBenchmark(arguments: [String]) throws {
    var repeats = 10
    var cells: [CellKind] = [.lstm, .gru]
    var threads: Int? = nil
    var parallelism = RecurrentParallelism()
    var index = 0
    while index < arguments.count {
        let argument = arguments[index]
        let value = index + 1 < arguments.count ? arguments[index + 1] : ""
        switch argument {
        case "--repeats": repeats = max(1, Int(value) ?? repeats); index += 2
        case "--cells": cells = value.split(separator: ",").compactMap { CellKind(rawValue: String($0)) }; index += 2
        case "--threads": threads = Int(value); index += 2
        case "--slices": parallelism.maximumSlices = max(1, Int(value) ?? 1); index += 2
        default:
            throw BenchmarkError.usage("unknown argument \(argument); usage: loom-bench recurrent [--repeats N] [--cells lstm,gru] [--threads N] [--slices N]")
        }
    }
    if let failure = BLAS.load() { throw BenchmarkError.usage("BLAS: \(failure)") }
    if let threads { BLAS.threads = threads }
    print(json(["benchmark": "recurrent", "blas": BLAS.summary, "repeats": repeats,
                "slices": parallelism.maximumSlices]))

    struct Shape { var name: String; var steps, batch, input, hidden, layers: Int; var gradient: String }
    let shapes = [
        Shape(name: "sentiment", steps: 200, batch: 64, input: 128, hidden: 128, layers: 1, gradient: "last"),
        Shape(name: "sentiment", steps: 200, batch: 64, input: 128, hidden: 128, layers: 1, gradient: "all"),
        Shape(name: "char", steps: 100, batch: 32, input: 64, hidden: 256, layers: 2, gradient: "all"),
    ]
    for cell in cells {
        for shape in shapes {
            var rng = SeededGenerator(seed: 1)
            let network = RecurrentNetwork(RecurrentConfiguration(cell: cell, inputSize: shape.input, hiddenSize: shape.hidden,
                                                                  layers: shape.layers), rng: &rng)
            network.parallelism = parallelism
            let T = shape.steps, B = shape.batch, H = shape.hidden
            let x = Tensor(shape: [T, B, shape.input], data: (0..<(T * B * shape.input)).map { _ in rng.nextNormal() })
            let gradOutput = shape.gradient == "all"
                ? Tensor(shape: [T, B, H], data: (0..<(T * B * H)).map { _ in rng.nextNormal() * 0.01 }) : nil
            let gradFinal = shape.gradient == "last"
                ? RecurrentState(hidden: (0..<shape.layers).map { _ in
                    Tensor(shape: [B, H], data: (0..<(B * H)).map { _ in rng.nextNormal() * 0.01 }) })
                : nil
            var forwardTimes: [Double] = [], totalTimes: [Double] = []
            for iteration in 0...repeats {
                let start = DispatchTime.now().uptimeNanoseconds
                _ = network.forward(x, training: true, rng: &rng)
                let middle = DispatchTime.now().uptimeNanoseconds
                _ = network.backward(gradOutput: gradOutput, gradFinal: gradFinal)
                let end = DispatchTime.now().uptimeNanoseconds
                if iteration > 0 { // the first run is a warm-up
                    forwardTimes.append(Double(middle - start) / 1e9)
                    totalTimes.append(Double(end - start) / 1e9)
                }
            }
            let total = median(totalTimes), forward = median(forwardTimes)
            // Matrix-product FLOPs: forward 2·T·B·G·H·(I + H) per layer; backward twice that (dX/dh and dW).
            let G = cell.gateCount
            var flops = 0.0
            for layer in 0..<shape.layers {
                let input = layer == 0 ? shape.input : H
                flops += 6 * Double(T * B * G * H) * Double(input + H)
            }
            print(json([
                "figure": "\(shape.name) \(cell.rawValue) forward+backward",
                "cell": cell.rawValue, "shape": shape.name, "gradient": shape.gradient,
                "steps": T, "batch": B, "input": shape.input, "hidden": H, "layers": shape.layers,
                "tokens_per_s": Int((Double(T * B) / total).rounded()),
                "median_ms": round3(total * 1e3), "forward_ms": round3(forward * 1e3),
                "backward_ms": round3((total - forward) * 1e3),
                "gflops": round3(flops / total / 1e9),
            ]))
        }
    }
    // Inference at batch 1: one review through the sentiment network (forward only), and char sampling steps.
    for cell in cells {
        var rng = SeededGenerator(seed: 2)
        let sentiment = RecurrentNetwork(RecurrentConfiguration(cell: cell, inputSize: 128, hiddenSize: 128), rng: &rng)
        let review = Tensor(shape: [230, 1, 128], data: (0..<(230 * 128)).map { _ in rng.nextNormal() })
        var reviewTimes: [Double] = []
        for iteration in 0...max(repeats, 20) {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = sentiment.forward(review, rng: &rng)
            if iteration > 0 { reviewTimes.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
        }
        print(json(["figure": "classify one 230-token review, \(cell.rawValue) forward only", "cell": cell.rawValue,
                    "median_ms": round3(median(reviewTimes) * 1e3)]))

        let char = RecurrentNetwork(RecurrentConfiguration(cell: cell, inputSize: 64, hiddenSize: 256, layers: 2), rng: &rng)
        let stepper = try RecurrentStepper(network: char)
        let input = (0..<64).map { _ in rng.nextNormal() }
        let steps = 2000
        var stepTimes: [Double] = []
        for iteration in 0...3 {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<steps { stepper.feed(input: input) }
            if iteration > 0 { stepTimes.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
        }
        print(json(["figure": "char sampling steps, batch 1, \(cell.rawValue) (recurrent part only)", "cell": cell.rawValue,
                    "steps_per_s": Int((Double(steps) / median(stepTimes)).rounded())]))
    }
    print(json(["figure": "sgemm 1024^3 ceiling", "gflops": round3(sgemmCeiling()), "blas": BLAS.summary]))
}

enum BenchmarkError: Error, CustomStringConvertible {
    case usage(String)
    var description: String {
        switch self { case .usage(let text): return text }
    }
}

/// Median GFLOP/s of a 1024×1024×1024 sgemm.
func sgemmCeiling() -> Double {
    let n = 1024
    let a = [Float](repeating: 0.5, count: n * n), b = [Float](repeating: 0.25, count: n * n)
    var c = [Float](repeating: 0, count: n * n)
    var times: [Double] = []
    for iteration in 0..<6 {
        let start = DispatchTime.now().uptimeNanoseconds
        BLAS.sgemm(transposeA: false, transposeB: false, m: n, n: n, k: n, a: a, lda: n, b: b, ldb: n, c: &c, ldc: n)
        if iteration > 0 { times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
    }
    return 2 * Double(n * n * n) / median(times) / 1e9
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .nan }
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func round3(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }

/// One JSON object on one line, keys sorted.
func json(_ object: [String: Any]) -> String {
    guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]),
          let text = String(data: data, encoding: .utf8) else { return "{}" }
    return text
}
