#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif
import LoomTensor

/// Additive attention over time (Bahdanau et al. 2015; as a sentence-classification pooling, Yang et al.
/// 2016's "Hierarchical Attention Networks"): for time-major outputs hₜ [T, B, F] and a mask [T, B],
///
///     A1  uₜ = tanh(W hₜ + b)                      W [A, F], b [A]   (`proj.weight`, `proj.bias`)
///     A2  eₜ = vᵀ uₜ                               v [A]             (`context`)
///     A3  αₜ = exp(eₜ) / Σₛ exp(eₛ)                over the sequence's real steps (αₜ = 0 on padding)
///     A4  pooled = Σₜ αₜ hₜ
///
/// and backward, for g = ∂L/∂pooled:
///
///     B1  ∂L/∂αₜ = g · hₜ
///     B2  ∂L/∂eₜ = αₜ (∂L/∂αₜ − Σₛ αₛ ∂L/∂αₛ)         (softmax Jacobian)
///     B3  ∂L/∂v += Σₜ ∂L/∂eₜ uₜ
///     B4  ∂L/∂zₜ = ∂L/∂eₜ v ⊙ (1 − uₜ²)                zₜ = W hₜ + b
///     B5  ∂L/∂W += Σₜ ∂L/∂zₜ hₜᵀ,  ∂L/∂b += Σₜ ∂L/∂zₜ
///     B6  ∂L/∂hₜ = αₜ g + Wᵀ ∂L/∂zₜ
///
/// A sequence with no real step pools to zeros and passes no gradient. PyTorch equivalent:
/// `scripts/load_in_pytorch.py`'s `AttentionPooling`.
public final class AttentionPooling {
    public let featureSize: Int
    public let attentionSize: Int
    /// W and b of A1.
    public let projection: Dense
    /// v of A2, [attentionSize].
    public let context: Parameter

    // Cache of the last `forward`.
    private var cachedOutputs = Tensor.zeros([0])
    private var cachedMask: [Float]?
    private var cachedU: [Float] = []
    private var cachedAlpha: [Float] = []

    /// - Parameter name: module prefix for the parameter names (`name.proj.weight`, `name.context`).
    public init(featureSize: Int, attentionSize: Int, name: String = "attention", rng: inout SeededGenerator) {
        precondition(featureSize > 0 && attentionSize > 0, "attention needs positive sizes")
        self.featureSize = featureSize
        self.attentionSize = attentionSize
        let prefix = name.isEmpty ? "" : name + "."
        projection = Dense(inputSize: featureSize, outputSize: attentionSize, name: prefix + "proj", rng: &rng)
        let bound = 1 / Float(attentionSize).squareRoot()
        context = Parameter(name: prefix + "context",
                            value: Tensor(shape: [attentionSize],
                                          data: Initializer.uniform(count: attentionSize, bound: bound, rng: &rng)))
    }

    public var parameters: [Parameter] { projection.parameters + [context] }

    /// Pooled [B, F] and the weights α [T, B] (A1–A4), caching what `backward` needs.
    public func forward(_ outputs: Tensor, mask: Tensor?) -> (pooled: Tensor, weights: Tensor) {
        let (pooled, weights, u) = compute(outputs, mask: mask, caching: true)
        cachedOutputs = outputs
        cachedMask = mask?.data
        cachedU = u
        cachedAlpha = weights.data
        return (pooled, weights)
    }

    /// `forward` without caching, for inference (safe to call from several threads at once).
    public func apply(_ outputs: Tensor, mask: Tensor?) -> (pooled: Tensor, weights: Tensor) {
        let (pooled, weights, _) = compute(outputs, mask: mask, caching: false)
        return (pooled, weights)
    }

    /// A1–A4; `caching` lets the projection keep its input for `backward`.
    private func compute(_ outputs: Tensor, mask: Tensor?, caching: Bool) -> (pooled: Tensor, weights: Tensor, u: [Float]) {
        precondition(outputs.rank == 3 && outputs.shape[2] == featureSize,
                     "AttentionPooling expects [T, B, \(featureSize)], got \(outputs.shape)")
        let T = outputs.shape[0], B = outputs.shape[1], F = featureSize, A = attentionSize
        if let mask { precondition(mask.count == T * B, "mask \(mask.shape) does not match [\(T), \(B)]") }
        // A1: one product for every step of every sequence.
        let flat = outputs.reshaped([T * B, F])
        var u = (caching ? projection.forward(flat) : projection.apply(flat)).data
        for i in u.indices { u[i] = tanh(u[i]) }
        let v = context.value.data, h = outputs.data, m = mask?.data
        var alpha = [Float](repeating: 0, count: T * B)
        var pooled = [Float](repeating: 0, count: B * F)
        for b in 0..<B {
            // A2, A3 with the maximum subtracted for stability.
            var scores = [Float](repeating: -.infinity, count: T)
            var top = -Float.infinity
            for t in 0..<T where m.map({ $0[t * B + b] != 0 }) ?? true {
                var e: Float = 0
                let row = (t * B + b) * A
                for a in 0..<A { e += v[a] * u[row + a] }
                scores[t] = e
                top = max(top, e)
            }
            guard top > -.infinity else { continue }
            var sum: Float = 0
            for t in 0..<T where scores[t] > -.infinity {
                let w = exp(scores[t] - top)
                alpha[t * B + b] = w
                sum += w
            }
            for t in 0..<T where alpha[t * B + b] != 0 {
                let w = alpha[t * B + b] / sum
                alpha[t * B + b] = w
                // A4.
                let source = (t * B + b) * F, target = b * F
                for f in 0..<F { pooled[target + f] += w * h[source + f] }
            }
        }
        return (Tensor(shape: [B, F], data: pooled), Tensor(shape: [T, B], data: alpha), u)
    }

    /// Given ∂L/∂pooled [B, F]: accumulates the parameters' gradients (unless `parameterGradients` is false)
    /// and returns ∂L/∂outputs [T, B, F] (B1–B6).
    public func backward(_ gradPooled: Tensor, parameterGradients: Bool = true) -> Tensor {
        let T = cachedOutputs.shape[0], B = cachedOutputs.shape[1], F = featureSize, A = attentionSize
        precondition(gradPooled.count == B * F, "AttentionPooling.backward: gradient \(gradPooled.shape) is not [\(B), \(F)]")
        let g = gradPooled.data, h = cachedOutputs.data, alpha = cachedAlpha, u = cachedU
        let v = context.value.data
        var dh = [Float](repeating: 0, count: T * B * F)
        var dz = [Float](repeating: 0, count: T * B * A)
        for b in 0..<B {
            // B1 and Σₛ αₛ ∂L/∂αₛ.
            var dAlpha = [Float](repeating: 0, count: T)
            var expected: Float = 0
            for t in 0..<T where alpha[t * B + b] != 0 {
                var d: Float = 0
                let row = (t * B + b) * F
                for f in 0..<F { d += g[b * F + f] * h[row + f] }
                dAlpha[t] = d
                expected += alpha[t * B + b] * d
            }
            for t in 0..<T where alpha[t * B + b] != 0 {
                let a = alpha[t * B + b], row = t * B + b
                let de = a * (dAlpha[t] - expected)  // B2
                for k in 0..<A {
                    let uk = u[row * A + k]
                    if parameterGradients { context.grad.data[k] += de * uk }  // B3
                    dz[row * A + k] = de * v[k] * (1 - uk * uk)  // B4
                }
                for f in 0..<F { dh[row * F + f] = a * g[b * F + f] }  // B6, first term
            }
        }
        // B5 and B6's second term, through the projection (which cached every step's hₜ in `forward`).
        let through = projection.backward(Tensor(shape: [T * B, A], data: dz), parameterGradients: parameterGradients).data
        for i in dh.indices { dh[i] += through[i] }
        return Tensor(shape: [T, B, F], data: dh)
    }
}
