import LoomTensor

/// A fully connected layer: y = x·Wᵀ + b, with W [out, in] and b [out] (PyTorch `nn.Linear` layout).
///
/// Initialised like `nn.Linear`: W and b uniform in ±1/√in. Inputs of any rank are accepted as long
/// as the last dimension is `inputSize`; the leading dimensions are flattened into N rows, so
/// [T, B, H] works as well as [N, H], and the output keeps the leading dimensions.
public final class Dense {
    public let inputSize: Int
    public let outputSize: Int
    /// [outputSize, inputSize].
    public let weight: Parameter
    /// [outputSize].
    public let bias: Parameter

    private var cachedInput = Tensor.zeros([0])

    /// - Parameter name: prefix for the parameter names (`"\(name).weight"`, `"\(name).bias"`); empty gives `weight`, `bias`.
    public init(inputSize: Int, outputSize: Int, name: String = "", rng: inout SeededGenerator) {
        precondition(inputSize > 0 && outputSize > 0, "Dense needs positive sizes")
        self.inputSize = inputSize
        self.outputSize = outputSize
        let bound = 1 / Float(inputSize).squareRoot()
        let prefix = name.isEmpty ? "" : name + "."
        weight = Parameter(name: prefix + "weight",
                           value: Tensor(shape: [outputSize, inputSize],
                                         data: Initializer.uniform(count: outputSize * inputSize, bound: bound, rng: &rng)))
        bias = Parameter(name: prefix + "bias",
                         value: Tensor(shape: [outputSize],
                                       data: Initializer.uniform(count: outputSize, bound: bound, rng: &rng)))
    }

    public var parameters: [Parameter] { [weight, bias] }

    /// y = x·Wᵀ + b for x [..., in]; returns [..., out] and caches x for `backward`.
    public func forward(_ x: Tensor) -> Tensor {
        cachedInput = x
        return apply(x)
    }

    /// `forward` without caching, for inference.
    public func apply(_ x: Tensor) -> Tensor {
        precondition(x.rank >= 1 && x.shape.last == inputSize,
                     "Dense expects input [..., \(inputSize)], got \(x.shape)")
        let n = x.count / inputSize, out = outputSize
        // Start from the bias in every row, then add x·Wᵀ with beta = 1.
        var y = [Float](repeating: 0, count: n * out)
        bias.value.data.withUnsafeBufferPointer { b in
            y.withUnsafeMutableBufferPointer { yp in
                for i in 0..<n { (yp.baseAddress! + i * out).update(from: b.baseAddress!, count: out) }
            }
        }
        if n > 0 {
            x.data.withUnsafeBufferPointer { xp in
                weight.value.data.withUnsafeBufferPointer { w in
                    y.withUnsafeMutableBufferPointer { yp in
                        BLAS.sgemm(transposeA: false, transposeB: true, m: n, n: out, k: inputSize,
                                   a: xp.baseAddress!, lda: inputSize, b: w.baseAddress!, ldb: inputSize,
                                   beta: 1, c: yp.baseAddress!, ldc: out)
                    }
                }
            }
        }
        return Tensor(shape: Array(x.shape.dropLast()) + [out], data: y)
    }

    /// Given dL/dy [..., out]: accumulates dL/dW += dyᵀ·x and dL/db += Σ_rows dy (unless `parameterGradients`
    /// is false), returns dL/dx = dy·W.
    public func backward(_ gradOutput: Tensor, parameterGradients: Bool = true) -> Tensor {
        let x = cachedInput
        let n = x.count / inputSize, out = outputSize, inp = inputSize
        precondition(gradOutput.count == n * out && gradOutput.shape.last == out,
                     "Dense.backward: gradient \(gradOutput.shape) does not match output [\(n), \(out)]")
        var dx = [Float](repeating: 0, count: n * inp)
        if n == 0 { return Tensor(shape: x.shape, data: dx) }
        gradOutput.data.withUnsafeBufferPointer { dy in
            if parameterGradients {
            x.data.withUnsafeBufferPointer { xp in
                weight.grad.data.withUnsafeMutableBufferPointer { dw in
                    BLAS.sgemm(transposeA: true, transposeB: false, m: out, n: inp, k: n,
                               a: dy.baseAddress!, lda: out, b: xp.baseAddress!, ldb: inp,
                               beta: 1, c: dw.baseAddress!, ldc: inp)
                }
            }
            bias.grad.data.withUnsafeMutableBufferPointer { db in
                for i in 0..<n {
                    let row = dy.baseAddress! + i * out
                    for j in 0..<out { db[j] += row[j] }
                }
            }
            }
            weight.value.data.withUnsafeBufferPointer { w in
                dx.withUnsafeMutableBufferPointer { dxp in
                    BLAS.sgemm(transposeA: false, transposeB: false, m: n, n: inp, k: out,
                               a: dy.baseAddress!, lda: out, b: w.baseAddress!, ldb: inp,
                               beta: 0, c: dxp.baseAddress!, ldc: inp)
                }
            }
        }
        return Tensor(shape: x.shape, data: dx)
    }
}
