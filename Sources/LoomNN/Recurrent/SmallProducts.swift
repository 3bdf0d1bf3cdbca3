import LoomTensor

/// Per-step matrix products, issued in blocks that OpenBLAS runs on its small-matrix kernel.
///
/// A recurrence multiplies a few batch rows by the same recurrent weights at every step. OpenBLAS's
/// general sgemm packs (copies) both operands on every call, which for these shapes costs as much as the
/// arithmetic. OpenBLAS 0.3.21 built with its small-matrix path (Debian's is) skips packing when
/// M·N·K ≤ 10⁶ and both operands are non-transposed, and that kernel is fastest for row counts that are
/// multiples of 4. Measured on the 2-core Xeon (Cooperlake kernel, one thread, 512×128 weights):
///   8 rows: 6 µs as one small-kernel call, vs 19 µs with the weights transposed (packed path);
///   64 rows: ~48 µs as blocks of 12 + … rows, vs 85 µs as one general call.
/// So `addProduct` splits C += A·B into row blocks of at most 12 rows and, when needed, into column or
/// reduction chunks, keeping every call under the limit. The results are the same sums in a different
/// grouping (equal up to float rounding).
enum SmallProducts {
    /// OpenBLAS's small-matrix limit on M·N·K.
    static let limit = 1_000_000
}

/// C[m, n] += A[m, k] · B[k, n], all row-major with leading dimensions lda, ldb, ldc.
@inline(__always)
func addProduct(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                c: UnsafeMutablePointer<Float>, ldc: Int) {
    if m == 1 {
        // One row: a matrix–vector product c = Bᵀ·a.
        BLAS.sgemv(transposeA: true, m: k, n: n, a: b, lda: ldb, x: a, beta: 1, y: c)
        return
    }
    let limit = SmallProducts.limit
    // Largest row block (a multiple of 4, at most 12) that keeps the whole n×k product under the limit.
    var rowBlock = 12
    while rowBlock > 4 && rowBlock * n * k > limit { rowBlock -= 4 }
    // If even 4 rows of the full product are too large, use 8-row blocks and chunk the larger of n and k.
    var columnChunk = n, reductionChunk = k
    if rowBlock * n * k > limit {
        rowBlock = 8
        if n >= k {
            columnChunk = max(16, limit / (rowBlock * k) / 16 * 16)
        } else {
            reductionChunk = max(16, limit / (rowBlock * n) / 16 * 16)
        }
    }
    var row = 0
    while row < m {
        let rows = min(rowBlock, m - row)
        var column = 0
        while column < n {
            let columns = min(columnChunk, n - column)
            var inner = 0
            while inner < k {
                let depth = min(reductionChunk, k - inner)
                BLAS.sgemm(transposeA: false, transposeB: false, m: rows, n: columns, k: depth,
                           a: a + row * lda + inner, lda: lda, b: b + inner * ldb + column, ldb: ldb,
                           beta: 1, c: c + row * ldc + column, ldc: ldc)
                inner += depth
            }
            column += columns
        }
        row += rows
    }
}

/// Writes the transpose of `source` [rows, columns] into `destination` [columns, rows].
func transpose(_ source: UnsafePointer<Float>, rows: Int, columns: Int, into destination: UnsafeMutablePointer<Float>) {
    // Blocked so both sides stay in cache.
    let block = 32
    for r0 in stride(from: 0, to: rows, by: block) {
        for c0 in stride(from: 0, to: columns, by: block) {
            for r in r0..<min(r0 + block, rows) {
                for col in c0..<min(c0 + block, columns) { destination[col * rows + r] = source[r * columns + col] }
            }
        }
    }
}
