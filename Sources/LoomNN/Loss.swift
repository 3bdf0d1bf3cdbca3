import LoomTensor
#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif

/// Loss functions on raw model outputs. Each returns the mean loss over the batch and its gradient
/// with respect to the inputs (already divided by the batch size). Sums are taken in Double.
public enum Loss {
    /// Binary cross-entropy on logits x with targets y ∈ [0, 1], mean over all N elements:
    /// ℓ = max(x, 0) − x·y + log(1 + e^(−|x|)), which never overflows (logit 100, target 0 gives 100),
    /// and dℓ/dx = σ(x) − y. With per-element `weights` wᵢ the mean is weighted, Σ wᵢℓᵢ / Σ wᵢ (PyTorch's
    /// `CrossEntropyLoss(weight:)` reduction, used for class weights).
    public static func binaryCrossEntropyWithLogits(_ logits: Tensor, targets: [Float], weights: [Float]? = nil) -> (loss: Float, gradient: Tensor) {
        precondition(logits.count == targets.count, "BCE: \(logits.count) logits but \(targets.count) targets")
        precondition(weights.map { $0.count == targets.count } ?? true, "BCE: weights for another batch")
        let n = logits.count
        guard n > 0 else { return (0, logits) }
        var total = 0.0
        var grad = [Float](repeating: 0, count: n)
        let weightSum = weights.map { $0.reduce(0.0) { $0 + Double($1) } } ?? Double(n)
        guard weightSum > 0 else { return (0, Tensor(shape: logits.shape, data: grad)) }
        let scale = 1 / weightSum
        for i in 0..<n {
            let x = Double(logits.data[i]), y = Double(targets[i]), w = Double(weights?[i] ?? 1)
            total += w * (Swift.max(x, 0) - x * y + log1p(exp(-abs(x))))
            let sigmoid = x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x))
            grad[i] = Float((sigmoid - y) * w * scale)
        }
        return (Float(total * scale), Tensor(shape: logits.shape, data: grad))
    }

    /// Softmax cross-entropy for logits [N, C] and class ids, mean over the rows that count:
    /// ℓ = logsumexp(x) − x[target] (computed as max + log Σ e^(x − max)); dℓ/dx = softmax(x) − onehot.
    /// Rows whose target equals `ignoreIndex` contribute neither loss nor gradient (as in PyTorch). With
    /// `classWeights` w the mean is weighted by each row's class, Σ w[yᵢ]ℓᵢ / Σ w[yᵢ] (PyTorch's
    /// `CrossEntropyLoss(weight:)`).
    public static func softmaxCrossEntropy(_ logits: Tensor, targets: [Int32],
                                           ignoreIndex: Int32? = nil, classWeights: [Float]? = nil) -> (loss: Float, gradient: Tensor) {
        precondition(logits.rank >= 1, "softmaxCrossEntropy expects [N, C]")
        let c = logits.shape.last!
        let n = c == 0 ? 0 : logits.count / c
        precondition(targets.count == n, "softmaxCrossEntropy: \(n) rows but \(targets.count) targets")
        var grad = [Float](repeating: 0, count: logits.count)
        precondition(classWeights.map { $0.count == c } ?? true, "softmaxCrossEntropy: \(classWeights?.count ?? 0) class weights for \(c) classes")
        func weight(_ i: Int) -> Double { classWeights.map { Double($0[Int(targets[i])]) } ?? 1 }
        var counted = 0.0
        for i in 0..<n where targets[i] != ignoreIndex {
            precondition(targets[i] >= 0 && Int(targets[i]) < c, "class id \(targets[i]) outside 0..<\(c)")
            counted += weight(i)
        }
        guard counted > 0 else { return (0, Tensor(shape: logits.shape, data: grad)) }
        let scale = 1 / counted
        var total = 0.0
        logits.data.withUnsafeBufferPointer { x in
            for i in 0..<n where targets[i] != ignoreIndex {
                let target = Int(targets[i])
                precondition(target >= 0 && target < c, "class id \(target) outside 0..<\(c)")
                let row = x.baseAddress! + i * c
                var maxValue = row[0]
                for j in 1..<c { maxValue = Swift.max(maxValue, row[j]) }
                // e_j = exp(x_j − max) ∈ (0, 1], computed once in Float and kept in grad's row.
                var sum = 0.0
                for j in 0..<c {
                    let e = expf(row[j] - maxValue)
                    grad[i * c + j] = e
                    sum += Double(e)
                }
                let w = weight(i)
                total += w * (Double(maxValue) + log(sum) - Double(row[target]))
                let rowScale = Float(w * scale / sum)
                for j in 0..<c { grad[i * c + j] *= rowScale }  // w · softmax / Σw
                grad[i * c + target] -= Float(w * scale)
            }
        }
        return (Float(total * scale), Tensor(shape: logits.shape, data: grad))
    }

    /// Mean squared error over all elements: ℓ = mean((p − t)²), dℓ/dp = 2(p − t)/N.
    public static func meanSquaredError(_ predictions: Tensor, targets: Tensor) -> (loss: Float, gradient: Tensor) {
        precondition(predictions.count == targets.count, "MSE: \(predictions.shape) vs \(targets.shape)")
        let n = predictions.count
        guard n > 0 else { return (0, predictions) }
        var total = 0.0
        var grad = [Float](repeating: 0, count: n)
        let scale = 2 / Float(n)
        for i in 0..<n {
            let d = predictions.data[i] - targets.data[i]
            total += Double(d) * Double(d)
            grad[i] = d * scale
        }
        return (Float(total / Double(n)), Tensor(shape: predictions.shape, data: grad))
    }
}
