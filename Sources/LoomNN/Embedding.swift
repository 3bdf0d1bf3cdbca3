import LoomTensor

/// A lookup table: id `i` maps to row `i` of `weight` [vocabularySize, dimension].
///
/// Initialised like PyTorch's `nn.Embedding`: N(0, 1), with the padding row set to zero. The padding
/// row never receives gradient, so it stays whatever it was (zero unless loaded otherwise), which
/// makes padded positions contribute nothing.
public final class Embedding {
    public let vocabularySize: Int
    public let dimension: Int
    /// The id whose row is kept at zero and gets no gradient; nil for none.
    public let paddingIndex: Int?
    /// [vocabularySize, dimension].
    public let weight: Parameter

    private var cachedIds: [Int32] = []

    /// - Parameters:
    ///   - name: prefix for the parameter name (`"\(name).weight"`); empty gives plain `weight`.
    ///   - randomize: false leaves the table zero, for a model whose weights are loaded next (drawing a
    ///     million normal numbers only to overwrite them is most of a one-shot call's time).
    public init(vocabularySize: Int, dimension: Int, paddingIndex: Int? = 0, name: String = "",
                randomize: Bool = true, rng: inout SeededGenerator) {
        precondition(vocabularySize > 0 && dimension > 0, "Embedding needs a positive vocabulary size and dimension")
        if let pad = paddingIndex {
            precondition((0..<vocabularySize).contains(pad), "padding index \(pad) outside 0..<\(vocabularySize)")
        }
        self.vocabularySize = vocabularySize
        self.dimension = dimension
        self.paddingIndex = paddingIndex
        var values = randomize
            ? Initializer.normal(count: vocabularySize * dimension, mean: 0, standardDeviation: 1, rng: &rng)
            : [Float](repeating: 0, count: vocabularySize * dimension)
        if let pad = paddingIndex {
            for j in 0..<dimension { values[pad * dimension + j] = 0 }
        }
        weight = Parameter(name: name.isEmpty ? "weight" : "\(name).weight",
                           value: Tensor(shape: [vocabularySize, dimension], data: values))
    }

    public var parameters: [Parameter] { [weight] }

    /// out[i, :] = weight[ids[i], :]. Returns [ids.count, dimension]; caches the ids for `backward`.
    /// Ids must lie in 0..<vocabularySize (callers validate user input before this point).
    public func forward(_ ids: [Int32]) -> Tensor {
        cachedIds = ids
        return apply(ids)
    }

    /// `forward` without caching, for inference.
    public func apply(_ ids: [Int32]) -> Tensor {
        let d = dimension, vocab = vocabularySize
        let out = weight.value.data.withUnsafeBufferPointer { w in
            [Float](unsafeUninitializedCapacity: ids.count * d) { o, initialized in
                for (i, id) in ids.enumerated() {
                    let row = Int(id)
                    precondition(row >= 0 && row < vocab, "embedding id \(row) outside 0..<\(vocab)")
                    (o.baseAddress! + i * d).initialize(from: w.baseAddress! + row * d, count: d)
                }
                initialized = ids.count * d
            }
        }
        return Tensor(shape: [ids.count, d], data: out)
    }

    /// weight.grad[ids[i], :] += gradOutput[i, :] for every i whose id is not the padding id.
    public func backward(_ gradOutput: Tensor) {
        let d = dimension
        precondition(gradOutput.count == cachedIds.count * d,
                     "Embedding.backward: gradient shape \(gradOutput.shape) does not match \(cachedIds.count) ids × \(d)")
        let pad = paddingIndex.map(Int32.init) ?? -1
        let ids = cachedIds
        gradOutput.data.withUnsafeBufferPointer { g in
            weight.grad.data.withUnsafeMutableBufferPointer { gw in
                for (i, id) in ids.enumerated() where id != pad {
                    let dst = gw.baseAddress! + Int(id) * d, src = g.baseAddress! + i * d
                    for j in 0..<d { dst[j] += src[j] }
                }
            }
        }
    }
}
