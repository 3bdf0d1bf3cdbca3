import CRecurrentKernels
import XCTest
import LoomTensor
@testable import LoomNN

/// `addProduct` (blocked C += A·B for the per-step products) against a Double reference, over shapes that
/// take every path: one row (matrix–vector), row blocks with remainders, column chunks, reduction chunks.
final class SmallProductsTests: XCTestCase {
    func testBlockedProductMatchesReference() {
        var rng = SeededGenerator(seed: 5)
        for (m, n, k) in [(1, 512, 128), (3, 40, 48), (13, 512, 128), (29, 512, 128), (7, 1024, 256), (9, 256, 1024),
                          (32, 48, 40)] {
            let lda = k + 3, ldb = n + 5, ldc = n + 2 // leading dimensions wider than the rows
            let a = (0..<(m * lda)).map { _ in rng.nextNormal() }
            let b = (0..<(k * ldb)).map { _ in rng.nextNormal() }
            var c = (0..<(m * ldc)).map { _ in rng.nextNormal() }
            var expected = c.map(Double.init)
            for i in 0..<m {
                for j in 0..<n {
                    var sum = 0.0
                    for p in 0..<k { sum += Double(a[i * lda + p]) * Double(b[p * ldb + j]) }
                    expected[i * ldc + j] += sum
                }
            }
            c.withUnsafeMutableBufferPointer { cp in
                addProduct(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: cp.baseAddress!, ldc: ldc)
            }
            // Sums of k products of N(0,1) values: magnitude ~√k, float32 rounding ~1e-6·k.
            let tolerance = 1e-5 * Double(k)
            var worst = 0.0
            for i in 0..<m { for j in 0..<ldc { worst = max(worst, abs(Double(c[i * ldc + j]) - expected[i * ldc + j])) } }
            XCTAssertLessThan(worst, tolerance, "m=\(m) n=\(n) k=\(k)")
        }
    }

    /// The panel kernels of the split single-sequence path (`loom_panels.h`), AVX-512 and portable, against a
    /// Double reference: full 256-column panels, a narrower last panel, widths that are not multiples of 16.
    func testPanelMatrixVectorProductMatchesReference() {
        var rng = SeededGenerator(seed: 9)
        for (k, n) in [(1, 1), (5, 3), (17, 300), (128, 512), (64, 384), (3, 256), (9, 530), (128, 192), (7, 200)] {
            let w = (0..<(k * n)).map { _ in rng.nextNormal() }
            let x = (0..<k).map { _ in rng.nextNormal() }
            let y0 = (0..<n).map { _ in rng.nextNormal() }
            var expected = y0.map(Double.init)
            for j in 0..<n { for p in 0..<k { expected[j] += Double(x[p]) * Double(w[p * n + j]) } }
            var packed = [Float](repeating: 0, count: k * n)
            loom_pack_panels(Int32(k), Int32(n), w, &packed)
            var fast = y0, portable = y0
            loom_panel_matvec_add(Int32(k), Int32(n), packed, x, &fast)
            loom_panel_matvec_add_portable(Int32(k), Int32(n), packed, x, &portable)
            let tolerance = 1e-5 * Double(k)  // sums of k products of N(0,1) values
            for j in 0..<n {
                XCTAssertEqual(Double(fast[j]), expected[j], accuracy: tolerance, "k \(k) n \(n) column \(j)")
                XCTAssertEqual(Double(portable[j]), expected[j], accuracy: tolerance, "k \(k) n \(n) column \(j)")
            }
        }
    }
}
