import Foundation
import LoomNN
import LoomTensor

/// What a batch should have given: class indices, or ratings for a regression model.
public enum SentimentTargets {
    case classes([Int32])
    case ratings([Float])

    /// The targets at `indices`, in that order.
    func subset(_ indices: [Int]) -> SentimentTargets {
        switch self {
        case .classes(let labels): return .classes(indices.map { labels[$0] })
        case .ratings(let ratings): return .ratings(indices.map { ratings[$0] })
        }
    }
}

/// The output head of a sentiment model, on the pooled features: dropout, then one linear layer (`fc`,
/// PyTorch's `nn.Linear`) giving one logit for two classes (sigmoid, binary cross-entropy), one per class
/// (softmax cross-entropy), or, for a regression model, one standardized rating (mean squared error; see
/// `RatingScale`). It owns what turns its outputs into probabilities or ratings and a loss.
public final class ClassifierHead {
    /// One output (two classes, or a rating) or one per class.
    public let outputSize: Int
    var dropout: Dropout
    let output: Dense
    /// Per-class loss weights (`--class-weight`), in class order; nil for an unweighted mean.
    public var classWeights: [Float]?
    /// A regression head's output scale; nil for classes.
    public let ratingScale: RatingScale?

    /// - Parameters:
    ///   - featureSize: width of the pooled features.
    ///   - classes: number of classes (2 gives a single sigmoid logit); ignored with `ratingScale`.
    ///   - ratingScale: makes a regression head with one linear output.
    public init(featureSize: Int, classes: Int, ratingScale: RatingScale? = nil, dropout rate: Float, rng: inout SeededGenerator) {
        self.ratingScale = ratingScale
        outputSize = ratingScale != nil || classes == 2 ? 1 : classes
        dropout = Dropout(rate: rate)
        output = Dense(inputSize: featureSize, outputSize: outputSize, name: "fc", rng: &rng)
    }

    /// `fc.weight`, `fc.bias`.
    public var parameters: [Parameter] { output.parameters }

    /// Logits [batch, outputSize] for pooled features [batch, featureSize]; caches what `backward` needs.
    func forward(_ pooled: Tensor, training: Bool, rng: inout SeededGenerator) -> Tensor {
        output.forward(dropout.forward(pooled, training: training, rng: &rng))
    }

    /// Logits without dropout or caches, for inference.
    func apply(_ pooled: Tensor) -> Tensor { output.apply(pooled) }

    /// dL/d(pooled) from dL/d(logits) of the last `forward`; parameter gradients accumulate unless
    /// `parameterGradients` is false.
    func backward(_ gradLogits: Tensor, parameterGradients: Bool = true) -> Tensor {
        dropout.backward(output.backward(gradLogits, parameterGradients: parameterGradients))
    }

    /// Class probabilities, [batch][classes]: [1 − σ(z), σ(z)] for one logit, a softmax otherwise.
    public func probabilities(logits: Tensor) -> [[Float]] {
        let batch = logits.shape[0]
        if outputSize == 1 {
            return (0..<batch).map { b in
                let p = Self.sigmoid(logits.data[b])
                return [1 - p, p]
            }
        }
        let classes = outputSize
        return (0..<batch).map { b in
            let row = logits.data[(b * classes)..<((b + 1) * classes)]
            let top = row.max() ?? 0
            let exps = row.map { Float(exp(Double($0 - top))) }
            let sum = exps.reduce(0, +)
            return exps.map { $0 / sum }
        }
    }

    /// The ratings of a regression head's outputs [batch, 1] (`RatingScale.rating`); nil for classes.
    public func ratings(logits: Tensor) -> [Float]? {
        guard let ratingScale else { return nil }
        return logits.data.map { ratingScale.rating(output: $0) }
    }

    /// Mean loss and its gradient with respect to the outputs: `loss(logits:targets:)` for classes, the mean
    /// squared error against the standardized ratings for a regression head.
    public func loss(logits: Tensor, targets: SentimentTargets) -> (loss: Float, gradient: Tensor) {
        switch targets {
        case .classes(let labels):
            precondition(ratingScale == nil, "class targets for a regression head")
            return loss(logits: logits, targets: labels)
        case .ratings(let ratings):
            guard let ratingScale else { preconditionFailure("rating targets for a classifier head") }
            let targets = Tensor(shape: logits.shape, data: ratings.map(ratingScale.standardized))
            return Loss.meanSquaredError(logits, targets: targets)
        }
    }

    /// Mean loss and its gradient with respect to the logits, for class indices `targets`; with
    /// `classWeights`, the mean weighted by each review's class (Σ w[yᵢ]ℓᵢ / Σ w[yᵢ], PyTorch's convention).
    public func loss(logits: Tensor, targets: [Int32]) -> (loss: Float, gradient: Tensor) {
        if outputSize == 1 {
            let (loss, gradient) = Loss.binaryCrossEntropyWithLogits(logits.reshaped([logits.count]),
                                                                      targets: targets.map { Float($0) },
                                                                      weights: classWeights.map { w in targets.map { w[Int($0)] } })
            return (loss, gradient.reshaped(logits.shape))
        }
        return Loss.softmaxCrossEntropy(logits, targets: targets, classWeights: classWeights)
    }

    /// σ(x), computed without overflow for either sign.
    static func sigmoid(_ x: Float) -> Float {
        x >= 0 ? 1 / (1 + Float(exp(Double(-x)))) : Float(exp(Double(x))) / (1 + Float(exp(Double(x))))
    }
}
