import XCTest
@testable import LoomTensor

final class BLASTests: XCTestCase {
    func testSgemmMatchesHandComputedProduct() throws {
        XCTAssertNil(BLAS.load())
        // [1 2 3; 4 5 6] · [7 8; 9 10; 11 12] = [58 64; 139 154]
        let a: [Float] = [1, 2, 3, 4, 5, 6]
        let b: [Float] = [7, 8, 9, 10, 11, 12]
        var c = [Float](repeating: -1, count: 4)
        BLAS.sgemm(transposeA: false, transposeB: false, m: 2, n: 2, k: 3, a: a, lda: 3, b: b, ldb: 2, c: &c, ldc: 2)
        XCTAssertEqual(c, [58, 64, 139, 154])
        // Aᵀ·A with A stored as given: (3×2)·(2×3) read through the transpose flag.
        var d = [Float](repeating: 0, count: 9)
        BLAS.sgemm(transposeA: true, transposeB: false, m: 3, n: 3, k: 2, a: a, lda: 3, b: a, ldb: 3, c: &d, ldc: 3)
        XCTAssertEqual(d, [17, 22, 27, 22, 29, 36, 27, 36, 45])
        XCTAssertNotEqual(BLAS.coreName, "unloaded")
    }

    func testSeededGeneratorRepeatsAndDiffersBySeed() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42), c = SeededGenerator(seed: 43)
        let sa = (0..<5).map { _ in a.next() }, sb = (0..<5).map { _ in b.next() }, sc = (0..<5).map { _ in c.next() }
        XCTAssertEqual(sa, sb)
        XCTAssertNotEqual(sa, sc)
        var g = SeededGenerator(seed: 7)
        let samples = (0..<20_000).map { _ in g.nextUniform() }
        XCTAssertTrue(samples.allSatisfy { $0 >= 0 && $0 < 1 })
        let mean = samples.reduce(0, +) / Float(samples.count)
        XCTAssertEqual(mean, 0.5, accuracy: 0.01) // std of the mean ≈ 0.29/√20000 ≈ 0.002
    }
}
