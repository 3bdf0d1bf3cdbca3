#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif

/// Gauss–Legendre quadrature on [0, 1]: `n` nodes and weights such that Σ wₖ f(αₖ) integrates every
/// polynomial of degree < 2n exactly. This is Captum's default rule for integrated gradients
/// (`method="gausslegendre"`, numpy's `leggauss` mapped from [−1, 1] to [0, 1]).
///
/// The nodes are the roots of the Legendre polynomial Pₙ, found by Newton's method from the
/// Chebyshev-like guess cos(π(k − ¼)/(n + ½)) (Numerical Recipes' `gauleg`); the weights are
/// 2 / ((1 − x²) Pₙ′(x)²) on [−1, 1], halved for [0, 1].
public struct GaussLegendre: Sendable, Equatable {
    /// Nodes in (0, 1), increasing.
    public let nodes: [Double]
    /// Weights, summing to 1.
    public let weights: [Double]

    public init(count n: Int) {
        precondition(n >= 1, "Gauss–Legendre needs at least one node")
        var nodes = [Double](repeating: 0, count: n), weights = [Double](repeating: 0, count: n)
        for k in 0..<((n + 1) / 2) {
            var x = cos(Double.pi * (Double(k) + 0.75) / (Double(n) + 0.5))
            var derivative = 0.0
            for _ in 0..<100 {
                // P_n(x) and P_n'(x) by the three-term recurrence.
                var p0 = 1.0, p1 = x
                for j in stride(from: 2, through: n, by: 1) {
                    let p2 = ((2 * Double(j) - 1) * x * p1 - (Double(j) - 1) * p0) / Double(j)
                    p0 = p1
                    p1 = p2
                }
                derivative = Double(n) * (x * p1 - p0) / (x * x - 1)
                let step = p1 / derivative
                x -= step
                if abs(step) < 1e-15 { break }
            }
            let w = 2 / ((1 - x * x) * derivative * derivative)
            // x is the k-th largest root; its mirror −x is the k-th smallest.
            nodes[n - 1 - k] = 0.5 * (1 + x)
            nodes[k] = 0.5 * (1 - x)
            weights[n - 1 - k] = 0.5 * w
            weights[k] = 0.5 * w
        }
        self.nodes = nodes
        self.weights = weights
    }
}
