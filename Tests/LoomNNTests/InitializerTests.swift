import XCTest
import LoomTensor
@testable import LoomNN

final class InitializerTests: XCTestCase {
    /// Max |(A·Aᵀ or Aᵀ·A) − I| for a rows×cols row-major matrix, over the smaller side.
    func orthogonalityError(_ a: [Float], rows: Int, cols: Int) -> Double {
        var worst = 0.0
        if rows <= cols {  // rows orthonormal
            for i in 0..<rows { for j in 0..<rows {
                var dot = 0.0
                for k in 0..<cols { dot += Double(a[i * cols + k]) * Double(a[j * cols + k]) }
                worst = max(worst, abs(dot - (i == j ? 1 : 0)))
            } }
        } else {  // columns orthonormal
            for i in 0..<cols { for j in 0..<cols {
                var dot = 0.0
                for k in 0..<rows { dot += Double(a[k * cols + i]) * Double(a[k * cols + j]) }
                worst = max(worst, abs(dot - (i == j ? 1 : 0)))
            } }
        }
        return worst
    }

    func testOrthogonalIsOrthonormalInEveryOrientation() {
        var rng = SeededGenerator(seed: 1)
        // Gram–Schmidt in Double, then rounded to Float32: entries carry ≤ 2⁻²⁴ relative error, so
        // dot products of unit vectors of length ≤ 64 are within ~64·6e-8 ≈ 4e-6 of exact.
        for (rows, cols) in [(16, 16), (8, 32), (32, 8), (1, 5), (5, 1)] {
            let q = Initializer.orthogonal(rows: rows, cols: cols, rng: &rng)
            XCTAssertEqual(q.count, rows * cols)
            XCTAssertLessThan(orthogonalityError(q, rows: rows, cols: cols), 1e-5, "\(rows)×\(cols)")
        }
        let blocks = Initializer.orthogonalBlocks(blocks: 4, size: 8, rng: &rng)
        XCTAssertEqual(blocks.count, 4 * 8 * 8)
        for g in 0..<4 {
            XCTAssertLessThan(orthogonalityError(Array(blocks[g * 64..<(g + 1) * 64]), rows: 8, cols: 8), 1e-5, "gate block \(g)")
        }
        var a = SeededGenerator(seed: 7), b = SeededGenerator(seed: 7)
        XCTAssertEqual(Initializer.orthogonal(rows: 4, cols: 12, rng: &a), Initializer.orthogonal(rows: 4, cols: 12, rng: &b), "seeded")
    }

    func testGlorotUniformAndUniformBounds() {
        var rng = SeededGenerator(seed: 2)
        // Glorot: limit √(6 / (fanIn + fanOut)) = √(6/150) = 0.2; U(−a, a) has variance a²/3.
        let w = Initializer.glorotUniform(fanIn: 50, fanOut: 100, count: 30_000, rng: &rng)
        XCTAssertTrue(w.allSatisfy { abs($0) <= 0.2 })
        XCTAssertGreaterThan(w.map(abs).max()!, 0.199)
        let variance = w.map { Double($0) * Double($0) }.reduce(0, +) / Double(w.count)
        XCTAssertEqual(variance, 0.04 / 3, accuracy: 0.0004)
        let u = Initializer.uniform(count: 1000, bound: 0.125, rng: &rng)
        XCTAssertTrue(u.allSatisfy { $0 >= -0.125 && $0 < 0.125 })
        let n = Initializer.normal(count: 20_000, mean: 3, standardDeviation: 0.5, rng: &rng)
        XCTAssertEqual(Double(n.reduce(0, +)) / 20_000, 3, accuracy: 0.02)
    }
}
