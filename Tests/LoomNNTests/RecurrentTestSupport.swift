import XCTest
import LoomTensor
@testable import LoomNN

/// A recurrent network plus a fixed input and a fixed scalar loss
///     L = Σ output ⊙ W_out + Σ_k h_n[k] ⊙ W_h[k] (+ Σ_k c_n[k] ⊙ W_c[k])
/// whose gradients the tests compare against finite differences or PyTorch.
struct RecurrentProblem {
    var network: RecurrentNetwork
    var x: Tensor
    var mask: Tensor?
    var initialState: RecurrentState
    var outputWeights: Tensor
    var hiddenWeights: [Tensor]
    var cellWeights: [Tensor]?
    var training = false
    var dropoutSeed: UInt64 = 99

    init(_ configuration: RecurrentConfiguration, steps T: Int, batch B: Int, mask: Tensor? = nil, seed: UInt64,
         weightScale: Float = 0.6) {
        var rng = SeededGenerator(seed: seed)
        network = RecurrentNetwork(configuration, rng: &rng)
        // Wider than PyTorch's ±1/√H so the non-linearities leave their linear regions.
        for p in network.parameters {
            for k in 0..<p.value.count { p.value.data[k] = rng.nextUniform(-weightScale, weightScale) }
        }
        func random(_ shape: [Int], _ scale: Float = 1) -> Tensor {
            Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in rng.nextNormal() * scale })
        }
        let H = configuration.hiddenSize, count = configuration.layers * configuration.directions
        x = random([T, B, configuration.inputSize])
        self.mask = mask
        initialState = RecurrentState(hidden: (0..<count).map { _ in random([B, H], 0.5) },
                                      cell: configuration.cell == .lstm ? (0..<count).map { _ in random([B, H], 0.5) } : nil)
        outputWeights = random([T, B, configuration.outputSize])
        hiddenWeights = (0..<count).map { _ in random([B, H]) }
        cellWeights = configuration.cell == .lstm ? (0..<count).map { _ in random([B, H]) } : nil
    }

    /// The loss, accumulated in Double.
    func loss(x: Tensor? = nil, initialState: RecurrentState? = nil) -> Double {
        var rng = SeededGenerator(seed: dropoutSeed)
        let (output, final) = network.forward(x ?? self.x, mask: mask, initialState: initialState ?? self.initialState,
                                              training: training, rng: &rng)
        var total = dot(output, outputWeights)
        for (h, w) in zip(final.hidden, hiddenWeights) { total += dot(h, w) }
        if let cells = final.cell, let weights = cellWeights {
            for (c, w) in zip(cells, weights) { total += dot(c, w) }
        }
        return total
    }

    /// Analytic gradients: w.r.t. x (returned), parameters (in `Parameter.grad`), initial state.
    func analyticGradients() -> (x: Tensor, initial: RecurrentState) {
        for p in network.parameters { p.grad.zero() }
        var rng = SeededGenerator(seed: dropoutSeed)
        _ = network.forward(x, mask: mask, initialState: initialState, training: training, rng: &rng)
        let gradX = network.backward(gradOutput: outputWeights,
                                     gradFinal: RecurrentState(hidden: hiddenWeights, cell: cellWeights))
        return (gradX, network.lastInitialStateGradient!)
    }
}

func dot(_ a: Tensor, _ b: Tensor) -> Double {
    precondition(a.shape == b.shape)
    var sum = 0.0
    for i in 0..<a.count { sum += Double(a.data[i]) * Double(b.data[i]) }
    return sum
}

func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "\(a.count) vs \(b.count)")
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

/// Central finite differences of `problem.loss` checked against the analytic gradients for the input, every
/// parameter element and the initial state.
///
/// Tolerance: the forward pass runs in Float32, so L carries a rounding error δ of about 1e-6 (ε_f32 ≈ 6e-8 times
/// a sum of a few dozen O(1) terms). With step h = 3e-3 the difference quotient has noise δ/h ≈ 3e-4 and a
/// truncation error h²·|L'''|/6 ≈ 1.5e-6·|L'''|, so |analytic − numeric| ≤ 2e-3 + 1e-2·|numeric| leaves a few times
/// the noise as margin, while a wrong term in a backward formula shows up as an O(0.1–1) error.
func checkFiniteDifferences(_ problem: RecurrentProblem, file: StaticString = #filePath, line: UInt = #line) {
    let h: Float = 3e-3
    let absoluteTolerance = 2e-3, relativeTolerance = 1e-2
    let analytic = problem.analyticGradients()
    let parameterGrads = problem.network.parameters.map { $0.grad }
    var worst = 0.0, checked = 0
    func compare(_ analyticValue: Float, _ plus: Double, _ minus: Double, _ what: @autoclosure () -> String) {
        let numeric = (plus - minus) / (2 * Double(h))
        let error = abs(Double(analyticValue) - numeric)
        worst = max(worst, error)
        checked += 1
        if error > absoluteTolerance + relativeTolerance * abs(numeric) {
            XCTFail("\(what()): analytic \(analyticValue), numeric \(numeric)", file: file, line: line)
        }
    }
    // Input.
    for k in 0..<problem.x.count {
        var xp = problem.x, xm = problem.x
        xp.data[k] += h
        xm.data[k] -= h
        compare(analytic.x.data[k], problem.loss(x: xp), problem.loss(x: xm), "d/dx[\(k)]")
    }
    // Parameters.
    for (index, p) in problem.network.parameters.enumerated() {
        for k in 0..<p.value.count {
            let original = p.value.data[k]
            p.value.data[k] = original + h
            let plus = problem.loss()
            p.value.data[k] = original - h
            let minus = problem.loss()
            p.value.data[k] = original
            compare(parameterGrads[index].data[k], plus, minus, "d/d\(p.name)[\(k)]")
        }
    }
    // Initial state.
    for index in 0..<problem.initialState.hidden.count {
        for k in 0..<problem.initialState.hidden[index].count {
            var sp = problem.initialState, sm = problem.initialState
            sp.hidden[index].data[k] += h
            sm.hidden[index].data[k] -= h
            compare(analytic.initial.hidden[index].data[k], problem.loss(initialState: sp),
                    problem.loss(initialState: sm), "d/dh0[\(index)][\(k)]")
        }
        if problem.initialState.cell != nil {
            for k in 0..<problem.initialState.cell![index].count {
                var sp = problem.initialState, sm = problem.initialState
                sp.cell![index].data[k] += h
                sm.cell![index].data[k] -= h
                compare(analytic.initial.cell![index].data[k], problem.loss(initialState: sp),
                        problem.loss(initialState: sm), "d/dc0[\(index)][\(k)]")
            }
        }
    }
    XCTAssertGreaterThan(checked, 0, file: file, line: line)
    print("finite differences: \(checked) gradients checked, worst |analytic − numeric| = \(worst)")
}
