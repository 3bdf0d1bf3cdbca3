import LoomTensor
#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif

/// Updates parameters from their accumulated gradients. Optimizer state is kept per parameter
/// *name*, so names must be unique within one optimizer, and state saved from one run can be
/// loaded into a fresh model with the same names.
public protocol Optimizer: AnyObject {
    /// Applies one update to every parameter from its `grad` (the gradients are left as they are).
    func step(_ parameters: [Parameter])
    var learningRate: Float { get set }
}

/// Sets every parameter's gradient to zero, before accumulating the next batch.
public func zeroGradients(_ parameters: [Parameter]) {
    for p in parameters { p.grad.zero() }
}

/// A problem with optimizer state handed to `loadState`.
public enum OptimizerStateError: Error, CustomStringConvertible, Equatable {
    case unexpectedKey(String)
    case missingCompanion(String)
    case shapeMismatch(String, expected: [Int], found: [Int])
    case unknownParameter(String)
    case invalidStepCount(Int)

    public var description: String {
        switch self {
        case .unexpectedKey(let key): return "optimizer state: unexpected tensor \"\(key)\" (expected m.<name> or v.<name>)"
        case .missingCompanion(let key): return "optimizer state: \"\(key)\" has no matching m./v. companion"
        case .shapeMismatch(let key, let expected, let found):
            return "optimizer state: \"\(key)\" has shape \(found), the parameter has \(expected)"
        case .unknownParameter(let key): return "optimizer state: \"\(key)\" names no parameter of the model"
        case .invalidStepCount(let n): return "optimizer state: step count \(n) is negative"
        }
    }
}

private func checkUniqueNames(_ parameters: [Parameter]) {
    var seen = Set<String>()
    for p in parameters {
        precondition(seen.insert(p.name).inserted, "two parameters are named \"\(p.name)\"; optimizer state is kept by name")
        precondition(p.grad.count == p.value.count, "parameter \(p.name): gradient and value sizes differ")
    }
}

/// Stochastic gradient descent with optional momentum and L2 weight decay, as `torch.optim.SGD`
/// (dampening 0, no Nesterov): g = ∇ + λ·θ; buf = μ·buf + g (buf = g on the first step); θ −= lr·buf.
public final class SGD: Optimizer {
    public var learningRate: Float
    public var momentum: Float
    public var weightDecay: Float
    private var buffers: [String: [Float]] = [:]
    private var shapes: [String: [Int]] = [:]

    public init(learningRate: Float, momentum: Float = 0, weightDecay: Float = 0) {
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
    }

    public func step(_ parameters: [Parameter]) {
        checkUniqueNames(parameters)
        let lr = learningRate, mu = momentum, wd = weightDecay
        for p in parameters {
            let n = p.value.count
            var buffer = momentum != 0 ? buffers[p.name] : nil
            if let b = buffer { precondition(b.count == n, "SGD: momentum buffer of \(p.name) has the wrong size") }
            let firstStep = buffer == nil
            if momentum != 0 && firstStep { buffer = [Float](repeating: 0, count: n) }
            let grad = p.grad.data
            p.value.data.withUnsafeMutableBufferPointer { theta in
                for i in 0..<n {
                    var g = grad[i] + wd * theta[i]
                    if mu != 0 {
                        g = firstStep ? g : mu * buffer![i] + g
                        buffer![i] = g
                    }
                    theta[i] -= lr * g
                }
            }
            if momentum != 0 {
                buffers[p.name] = buffer
                shapes[p.name] = p.value.shape
            }
        }
    }

    /// Momentum buffers as "momentum.<param name>", for checkpoints.
    public func stateTensors() -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (name, b) in buffers { out["momentum." + name] = Tensor(shape: shapes[name] ?? [b.count], data: b) }
        return out
    }

    /// Restores buffers saved by `stateTensors` (expected tensor names: "momentum.<param name>").
    public func loadState(_ tensors: [String: Tensor]) throws {
        var loaded: [String: [Float]] = [:], loadedShapes: [String: [Int]] = [:]
        for (key, t) in tensors {
            guard key.hasPrefix("momentum.") else { throw OptimizerStateError.unexpectedKey(key) }
            let name = String(key.dropFirst("momentum.".count))
            loaded[name] = t.data
            loadedShapes[name] = t.shape
        }
        buffers = loaded
        shapes = loadedShapes
    }
}

/// Adam (Kingma & Ba) with PyTorch's exact update, and AdamW when `decoupledWeightDecay` is true.
///
/// With t the step count after incrementing:
///   Adam:  g = ∇ + λ·θ                        AdamW: θ = θ·(1 − lr·λ), g = ∇
///   m = β1·m + (1 − β1)·g;   v = β2·v + (1 − β2)·g²
///   θ −= (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)
/// `stepCount` counts calls to `step` (one per batch), shared by all parameters as in PyTorch when
/// every parameter is updated every step.
public final class Adam: Optimizer {
    public var learningRate: Float
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    public var weightDecay: Float
    public let decoupledWeightDecay: Bool
    /// Number of `step` calls so far (restored by `loadState`).
    public var stepCount: Int = 0
    private var firstMoments: [String: [Float]] = [:]
    private var secondMoments: [String: [Float]] = [:]
    private var shapes: [String: [Int]] = [:]

    public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                weightDecay: Float = 0, decoupledWeightDecay: Bool = false) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupledWeightDecay = decoupledWeightDecay
    }

    public func step(_ parameters: [Parameter]) {
        checkUniqueNames(parameters)
        stepCount += 1
        let t = Double(stepCount)
        let lr = learningRate, b1 = beta1, b2 = beta2, eps = epsilon, wd = weightDecay
        let stepSize = Float(Double(lr) / (1 - pow(Double(b1), t)))
        let sqrtBiasCorrection2 = Float((1 - pow(Double(b2), t)).squareRoot())
        let decay: Float = decoupledWeightDecay ? 1 - lr * wd : 1
        let l2: Float = decoupledWeightDecay ? 0 : wd
        for p in parameters {
            let n = p.value.count
            var m = firstMoments.removeValue(forKey: p.name) ?? [Float](repeating: 0, count: n)
            var v = secondMoments.removeValue(forKey: p.name) ?? [Float](repeating: 0, count: n)
            precondition(m.count == n && v.count == n,
                         "Adam: loaded state for \(p.name) has \(m.count) elements, the parameter \(n)")
            p.grad.data.withUnsafeBufferPointer { grad in
                p.value.data.withUnsafeMutableBufferPointer { theta in
                    m.withUnsafeMutableBufferPointer { m in
                        v.withUnsafeMutableBufferPointer { v in
                            for i in 0..<n {
                                theta[i] *= decay
                                let g = grad[i] + l2 * theta[i]
                                m[i] = b1 * m[i] + (1 - b1) * g
                                v[i] = b2 * v[i] + (1 - b2) * g * g
                                theta[i] -= stepSize * m[i] / (v[i].squareRoot() / sqrtBiasCorrection2 + eps)
                            }
                        }
                    }
                }
            }
            firstMoments[p.name] = m
            secondMoments[p.name] = v
            shapes[p.name] = p.value.shape
        }
    }

    /// The moment estimates as "m.<param name>" and "v.<param name>", for checkpoints
    /// (save `stepCount` alongside, e.g. in the safetensors metadata).
    public func stateTensors() -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (name, m) in firstMoments {
            let shape = shapes[name] ?? [m.count]
            out["m." + name] = Tensor(shape: shape, data: m)
            out["v." + name] = Tensor(shape: shape, data: secondMoments[name]!)
        }
        return out
    }

    /// Restores state saved by `stateTensors`. Every "m.x" needs a "v.x" of the same shape. When
    /// `parameters` is given, every name must belong to one of them with the same shape, so a
    /// checkpoint from another model is rejected here rather than failing in `step`.
    public func loadState(_ tensors: [String: Tensor], stepCount: Int, parameters: [Parameter]? = nil) throws {
        guard stepCount >= 0 else { throw OptimizerStateError.invalidStepCount(stepCount) }
        var m: [String: [Float]] = [:], v: [String: [Float]] = [:], shapes: [String: [Int]] = [:]
        let byName = parameters.map { Dictionary($0.map { ($0.name, $0.value.shape) }, uniquingKeysWith: { a, _ in a }) }
        for key in tensors.keys.sorted() {
            let tensor = tensors[key]!
            let isFirst = key.hasPrefix("m."), isSecond = key.hasPrefix("v.")
            guard isFirst || isSecond else { throw OptimizerStateError.unexpectedKey(key) }
            let name = String(key.dropFirst(2))
            let companionKey = (isFirst ? "v." : "m.") + name
            guard let companion = tensors[companionKey] else { throw OptimizerStateError.missingCompanion(key) }
            guard companion.shape == tensor.shape else {
                throw OptimizerStateError.shapeMismatch(companionKey, expected: tensor.shape, found: companion.shape)
            }
            if let byName {
                guard let expected = byName[name] else { throw OptimizerStateError.unknownParameter(key) }
                guard expected == tensor.shape else {
                    throw OptimizerStateError.shapeMismatch(key, expected: expected, found: tensor.shape)
                }
            }
            if isFirst { m[name] = tensor.data } else { v[name] = tensor.data }
            shapes[name] = tensor.shape
        }
        firstMoments = m
        secondMoments = v
        self.shapes = shapes
        self.stepCount = stepCount
    }
}
