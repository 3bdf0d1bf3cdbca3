import Foundation
import LoomTensor

/// Median wall time of `body` in seconds, after `warmup` untimed runs.
func medianSeconds(warmup: Int, repeats: Int, _ body: () throws -> Void) rethrows -> Double {
    for _ in 0..<warmup { try body() }
    var times: [Double] = []
    for _ in 0..<repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    times.sort()
    return times.count % 2 == 1 ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
}

/// Prints one JSON line with the BLAS core and thread count added, keys sorted.
func emit(_ fields: [String: Any]) {
    var record = fields
    record["framework"] = "loom"
    record["blas_core"] = BLAS.coreName
    record["blas_threads"] = BLAS.threads
    let data = try! JSONSerialization.data(withJSONObject: record, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
    fflush(stdout)
}

/// Value of `--name VALUE` in `arguments`, or nil.
func option(_ name: String, in arguments: [String]) -> String? {
    guard let index = arguments.firstIndex(of: "--\(name)"), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

/// `../shared/datasets/…` relative to the current folder (the repository root when run from run.sh).
func sharedDataset(_ relative: String) -> URL {
    URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        .appendingPathComponent("../shared/datasets").appendingPathComponent(relative).standardizedFileURL
}

/// The machine's sgemm ceiling: GFLOP/s of a 1024³ product, median of several.
func runBLASBenchmark(arguments: [String]) throws {
    for (m, n, k) in [(1024, 1024, 1024), (64, 512, 128), (12800, 512, 128)] {
        let a = [Float](repeating: 0.5, count: m * k), b = [Float](repeating: 0.25, count: k * n)
        var c = [Float](repeating: 0, count: m * n)
        let repeats = max(5, 2_000_000_000 / (2 * m * n * k))
        let seconds = medianSeconds(warmup: 2, repeats: 5) {
            for _ in 0..<max(1, repeats / 5) {
                BLAS.sgemm(transposeA: false, transposeB: false, m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &c, ldc: n)
            }
        } / Double(max(1, repeats / 5))
        emit(["bench": "sgemm", "shape": "\(m)x\(n)x\(k)", "gflops": 2.0 * Double(m * n * k) / seconds / 1e9])
    }
}
