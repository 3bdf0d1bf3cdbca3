import LoomTensor

/// Weight initialisations, each returning a flat row-major array drawn from `rng`.
public enum Initializer {
    /// U(−bound, bound): PyTorch's default for `nn.Linear`, `nn.LSTM`, `nn.GRU` (bound = 1/√fan).
    public static func uniform(count: Int, bound: Float, rng: inout SeededGenerator) -> [Float] {
        (0..<count).map { _ in rng.nextUniform(-bound, bound) }
    }

    /// N(mean, std²): PyTorch's default for `nn.Embedding` (N(0, 1)).
    public static func normal(count: Int, mean: Float = 0, standardDeviation: Float = 1,
                              rng: inout SeededGenerator) -> [Float] {
        (0..<count).map { _ in mean + standardDeviation * rng.nextNormal() }
    }

    /// Glorot (Xavier) uniform: U(±√(6 / (fanIn + fanOut))), Keras' default kernel initialiser.
    /// Keras computes the fans from its kernel shape (input, gates·units): for an LSTM input kernel
    /// fanIn = E and fanOut = 4·H (a Dense kernel: fanIn = in, fanOut = out).
    public static func glorotUniform(fanIn: Int, fanOut: Int, count: Int, rng: inout SeededGenerator) -> [Float] {
        uniform(count: count, bound: (6 / Float(fanIn + fanOut)).squareRoot(), rng: &rng)
    }

    /// A rows×cols matrix with orthonormal rows (rows ≤ cols) or orthonormal columns (rows ≥ cols),
    /// as Keras' `Orthogonal`: QR of a standard normal matrix, signs fixed so the factor is unique
    /// (Q·diag(sign(diag R))). QR here is modified Gram–Schmidt in Double on the columns of the
    /// taller orientation. Keras applies this to a recurrent kernel as one H×(gates·H) matrix (rows
    /// orthonormal); in PyTorch's `weight_hh` layout [gates·H, H] the same distribution is
    /// `orthogonal(rows: gates·H, cols: H)` (columns orthonormal). Use `orthogonalBlocks` for one
    /// orthogonal H×H square per gate instead.
    public static func orthogonal(rows: Int, cols: Int, rng: inout SeededGenerator) -> [Float] {
        precondition(rows > 0 && cols > 0, "orthogonal needs positive dimensions")
        let tall = max(rows, cols), wide = min(rows, cols)
        // a: tall × wide normal matrix, stored column by column.
        var columns = (0..<wide).map { _ in (0..<tall).map { _ in Double(rng.nextNormal()) } }
        for j in 0..<wide {
            for k in 0..<j {
                var dot = 0.0
                for i in 0..<tall { dot += columns[k][i] * columns[j][i] }
                for i in 0..<tall { columns[j][i] -= dot * columns[k][i] }
            }
            var norm = 0.0
            for i in 0..<tall { norm += columns[j][i] * columns[j][i] }
            norm = norm.squareRoot()
            // R's diagonal entry is the norm (> 0), so the sign fix is already applied; a degenerate
            // (numerically dependent) column has probability zero with Gaussian input.
            if norm > 0 { for i in 0..<tall { columns[j][i] /= norm } }
        }
        var out = [Float](repeating: 0, count: rows * cols)
        for r in 0..<rows {
            for c in 0..<cols {
                // rows ≥ cols: out[r, c] = Q[r, c]; rows < cols: out = Qᵀ, out[r, c] = Q[c, r].
                out[r * cols + c] = Float(rows >= cols ? columns[c][r] : columns[r][c])
            }
        }
        return out
    }

    /// `blocks` orthogonal size×size squares stacked vertically: a [blocks·size, size] matrix in
    /// PyTorch's `weight_hh` layout, one orthogonal block per gate.
    public static func orthogonalBlocks(blocks: Int, size: Int, rng: inout SeededGenerator) -> [Float] {
        (0..<blocks).flatMap { _ in orthogonal(rows: size, cols: size, rng: &rng) }
    }
}
