import LoomTensor

/// A linear bag of features: out[b] = bias + Σ_{f ∈ features[b]} scale[f] · weight[f, :], PyTorch's
/// `nn.EmbeddingBag(rows, outputSize, mode="sum")` with `per_sample_weights = scale[features]`, plus a bias.
///
/// It is the linear classifier of fastText (Joulin et al. 2016, "Bag of Tricks for Efficient Text
/// Classification") over n-gram features, and with `scale` set to the Naive-Bayes log-count ratios, the
/// NB-weighted logistic regression of Wang & Manning (2012, "Baselines and Bigrams", NBSVM). `scale` is a fixed
/// buffer, not trained: it rescales each feature, so under the L2 penalty a feature the class counts call
/// informative is cheap to use. The penalty, `l2` · Σ weight², is part of this layer's loss (`penalty`) and
/// its gradient is added by `backward`.
public final class NGramBag {
    public let rows: Int
    public let outputSize: Int
    /// [rows, outputSize], zero at first (a linear model needs no symmetry breaking).
    public let weight: Parameter
    /// [outputSize].
    public let bias: Parameter
    /// [rows]: each feature's fixed value (1 = a plain bag). Saved with the weights, never trained.
    public let scale: Parameter
    /// Coefficient of the L2 penalty on `weight`.
    public let l2: Float

    private var cachedFeatures: [[Int32]] = []

    /// - Parameters:
    ///   - name: prefix of the parameter names (`ngram.weight`, `ngram.bias`, `ngram.scale`).
    ///   - learningRateScale: the optimizer's learning rate is multiplied by this for `weight` and `bias`
    ///     (a sparse linear layer learns at a larger rate than the recurrent layers).
    public init(rows: Int, outputSize: Int, l2: Float, learningRateScale: Float = 1, name: String) {
        precondition(rows > 0 && outputSize > 0, "NGramBag needs positive sizes")
        self.rows = rows
        self.outputSize = outputSize
        self.l2 = l2
        let prefix = name.isEmpty ? "" : name + "."
        weight = Parameter(name: prefix + "weight", value: Tensor.zeros([rows, outputSize]))
        bias = Parameter(name: prefix + "bias", value: Tensor.zeros([outputSize]))
        scale = Parameter(name: prefix + "scale", value: Tensor(shape: [rows], data: [Float](repeating: 1, count: rows)))
        weight.learningRateScale = learningRateScale
        bias.learningRateScale = learningRateScale
    }

    /// What an optimizer updates: `weight`, `bias`.
    public var trainableParameters: [Parameter] { [weight, bias] }
    /// Everything saved: `weight`, `bias`, `scale`.
    public var parameters: [Parameter] { [weight, bias, scale] }

    /// Logits [features.count, outputSize]; caches the features for `backward`. Each list holds distinct
    /// rows in 0..<rows (callers build them with `NGramFeatures`).
    public func forward(_ features: [[Int32]]) -> Tensor {
        cachedFeatures = features
        return apply(features)
    }

    /// `forward` without caching, for inference.
    public func apply(_ features: [[Int32]]) -> Tensor {
        let d = outputSize
        var out = [Float](repeating: 0, count: features.count * d)
        weight.value.data.withUnsafeBufferPointer { w in
            scale.value.data.withUnsafeBufferPointer { s in
                bias.value.data.withUnsafeBufferPointer { b in
                    for (i, list) in features.enumerated() {
                        for j in 0..<d { out[i * d + j] = b[j] }
                        for f in list {
                            let row = Int(f)
                            precondition(row >= 0 && row < rows, "n-gram feature \(row) outside 0..<\(rows)")
                            let sf = s[row]
                            for j in 0..<d { out[i * d + j] += sf * w[row * d + j] }
                        }
                    }
                }
            }
        }
        return Tensor(shape: [features.count, d], data: out)
    }

    /// The contribution of each feature of one list to each output, scale[f] · weight[f, :] ([list.count × outputSize]).
    public func contributions(_ list: [Int32]) -> [Float] {
        let d = outputSize
        var out = [Float](repeating: 0, count: list.count * d)
        for (i, f) in list.enumerated() {
            let row = Int(f)
            precondition(row >= 0 && row < rows, "n-gram feature \(row) outside 0..<\(rows)")
            for j in 0..<d { out[i * d + j] = scale.value.data[row] * weight.value.data[row * d + j] }
        }
        return out
    }

    /// l2 · Σ weight², the penalty `backward` differentiates.
    public var penalty: Float {
        guard l2 > 0 else { return 0 }
        var sum: Double = 0
        for w in weight.value.data { sum += Double(w) * Double(w) }
        return Float(Double(l2) * sum)
    }

    /// Accumulates the gradients of the last `forward`'s outputs (gradOutput [batch, outputSize]) and of the
    /// penalty into `weight` and `bias`.
    public func backward(_ gradOutput: Tensor) {
        let d = outputSize
        precondition(gradOutput.count == cachedFeatures.count * d,
                     "NGramBag.backward: gradient shape \(gradOutput.shape) does not match \(cachedFeatures.count) lists × \(d)")
        let features = cachedFeatures
        gradOutput.data.withUnsafeBufferPointer { g in
            scale.value.data.withUnsafeBufferPointer { s in
                weight.value.data.withUnsafeBufferPointer { w in
                    weight.grad.data.withUnsafeMutableBufferPointer { gw in
                        if l2 > 0 {
                            let twice = 2 * l2
                            for i in 0..<gw.count { gw[i] += twice * w[i] }
                        }
                        for (i, list) in features.enumerated() {
                            for f in list {
                                let row = Int(f), sf = s[row]
                                for j in 0..<d { gw[row * d + j] += sf * g[i * d + j] }
                            }
                        }
                    }
                }
            }
            bias.grad.data.withUnsafeMutableBufferPointer { gb in
                for i in 0..<features.count {
                    for j in 0..<d { gb[j] += g[i * d + j] }
                }
            }
        }
    }
}
