import XCTest
import LoomTensor
@testable import LoomNN

/// Optimizers against PyTorch 2.x, gradient clipping, and optimizer state round trips.
///
/// The reference trajectories come from this script (PyTorch in float32), run once and pasted here:
///
///     import torch
///     grads = [[0.1, -0.2, 0.3, 0.0], [0.4, 0.0, -0.5, 1e-3], [-0.3, 0.2, 0.1, -2.0]]
///     for name, make in [("adam", lambda p: torch.optim.Adam([p], lr=0.1)),
///                        ("adam_l2", lambda p: torch.optim.Adam([p], lr=0.1, weight_decay=0.1)),
///                        ("adamw", lambda p: torch.optim.AdamW([p], lr=0.1, weight_decay=0.1)),
///                        ("sgd_momentum_wd", lambda p: torch.optim.SGD([p], lr=0.1, momentum=0.9, weight_decay=0.01))]:
///         p = torch.nn.Parameter(torch.tensor([0.5, -1.0, 2.0, 0.25]))
///         opt = make(p)
///         for g in grads:
///             p.grad = torch.tensor(g); opt.step(); print(name, p.tolist())
///
/// Hand check of Adam's first step: m̂ = g and v̂ = g², so every element with g ≠ 0 moves by exactly
/// lr·sign(g) (0.5 → 0.4, −1 → −0.9, 2 → 1.9), and g = 0 leaves the element alone.
/// Tolerance 2e-6: PyTorch and Loom both compute in float32 but in a different operation order
/// (e.g. Loom divides lr by the bias correction in Double); a few ulps at values of order 1.
final class OptimizerTests: XCTestCase {
    static let gradients: [[Float]] = [[0.1, -0.2, 0.3, 0.0], [0.4, 0.0, -0.5, 1e-3], [-0.3, 0.2, 0.1, -2.0]]
    static let start: [Float] = [0.5, -1.0, 2.0, 0.25]

    func run(_ optimizer: Optimizer) -> [[Float]] {
        let p = Parameter(name: "p", value: Tensor(shape: [4], data: Self.start))
        return Self.gradients.map { g in
            p.grad = Tensor(shape: [4], data: g)
            optimizer.step([p])
            return p.value.data
        }
    }

    func assertTrajectory(_ got: [[Float]], _ expected: [[Float]], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        for (step, (a, b)) in zip(got, expected).enumerated() {
            for i in 0..<a.count {
                XCTAssertEqual(a[i], b[i], accuracy: 2e-6, "\(what) step \(step + 1) element \(i)", file: file, line: line)
            }
        }
    }

    func testAdamMatchesPyTorch() {
        let adam = Adam(learningRate: 0.1)
        assertTrajectory(run(adam), [
            [0.4000000059604645, -0.8999999761581421, 1.899999976158142, 0.25],
            [0.31156235933303833, -0.8329941630363464, 1.9293560981750488, 0.17558738589286804],
            [0.2938915193080902, -0.8415809273719788, 1.9409170150756836, 0.23943999409675598],
        ], "Adam")
        XCTAssertEqual(adam.stepCount, 3)
    }

    func testAdamWithL2WeightDecayMatchesPyTorch() {
        assertTrajectory(run(Adam(learningRate: 0.1, weightDecay: 0.1)), [
            [0.40000003576278687, -0.9000000357627869, 1.899999976158142, 0.15000003576278687],
            [0.3079517185688019, -0.8144303560256958, 1.8822851181030273, 0.05344397574663162],
            [0.27841272950172424, -0.7752093076705933, 1.8418649435043335, 0.11620868742465973],
        ], "Adam + L2")
    }

    func testAdamWDecouplesWeightDecay() {
        // AdamW first step: θ·(1 − lr·λ) − lr·sign(g) = 0.5·0.99 − 0.1 = 0.395; g = 0: 0.25·0.99 = 0.2475.
        assertTrajectory(run(Adam(learningRate: 0.1, weightDecay: 0.1, decoupledWeightDecay: true)), [
            [0.39500001072883606, -0.8899999856948853, 1.8799999952316284, 0.2475000023841858],
            [0.3026123642921448, -0.8140941858291626, 1.8905560970306396, 0.1706123948097229],
            [0.2819153964519501, -0.8145400285720825, 1.8832114934921265, 0.23275887966156006],
        ], "AdamW")
        // With L2 (coupled) decay the decay term is normalised away on the first step (0.4 above,
        // not 0.395): the difference that makes AdamW a separate method.
    }

    func testSGDMomentumAndWeightDecayMatchPyTorch() {
        assertTrajectory(run(SGD(learningRate: 0.1, momentum: 0.9, weightDecay: 0.01)), [
            [0.4894999861717224, -0.9789999723434448, 1.968000054359436, 0.24975000321865082],
            [0.4395604729652405, -0.9591209888458252, 1.9872320890426636, 0.24917525053024292],
            [0.42417535185813904, -0.9602707624435425, 1.9925537109375, 0.4484088122844696],
        ], "SGD")
        // By hand, constant gradient 1, lr 0.1, momentum 0.9: buf 1, 1.9, 2.71 → θ 0.9, 0.71, 0.439.
        let p = Parameter(name: "w", value: Tensor(shape: [1], data: [1]))
        let sgd = SGD(learningRate: 0.1, momentum: 0.9)
        var trajectory: [Float] = []
        for _ in 0..<3 {
            p.grad = Tensor(shape: [1], data: [1])
            sgd.step([p])
            trajectory.append(p.value.data[0])
        }
        XCTAssertEqual(trajectory[0], 0.9, accuracy: 1e-6)
        XCTAssertEqual(trajectory[1], 0.71, accuracy: 1e-6)
        XCTAssertEqual(trajectory[2], 0.439, accuracy: 1e-6)
        // Plain SGD: θ −= lr·g.
        let q = Parameter(name: "q", value: Tensor(shape: [2], data: [1, 2]))
        q.grad = Tensor(shape: [2], data: [10, -10])
        SGD(learningRate: 0.01).step([q])
        XCTAssertEqual(q.value.data, [0.9, 2.1])
    }

    func testAdamStateRoundTripResumesExactly() throws {
        func makeParameters() -> [Parameter] {
            [Parameter(name: "fc.weight", value: Tensor(shape: [2, 2], data: [1, 2, 3, 4])),
             Parameter(name: "fc.bias", value: Tensor(shape: [2], data: [0.5, -0.5]))]
        }
        func setGradients(_ ps: [Parameter], _ k: Float) {
            ps[0].grad = Tensor(shape: [2, 2], data: [0.1 * k, -0.2, 0.3, k])
            ps[1].grad = Tensor(shape: [2], data: [k, -k])
        }
        let a = makeParameters()
        let adam = Adam(learningRate: 0.05, weightDecay: 0.01, decoupledWeightDecay: true)
        for k in 1...2 { setGradients(a, Float(k)); adam.step(a) }

        // Save through safetensors bytes, as a checkpoint would.
        let saved = try SafeTensors.decode(SafeTensors.encode(adam.stateTensors(), metadata: ["step": "\(adam.stepCount)"]))
        XCTAssertEqual(Set(saved.tensors.keys), ["m.fc.weight", "v.fc.weight", "m.fc.bias", "v.fc.bias"])
        XCTAssertEqual(saved.tensors["m.fc.weight"]?.shape, [2, 2])
        let b = makeParameters()
        for (x, y) in zip(a, b) { y.value = x.value }
        let resumed = Adam(learningRate: 0.05, weightDecay: 0.01, decoupledWeightDecay: true)
        try resumed.loadState(saved.tensors, stepCount: Int(saved.metadata["step"]!)!, parameters: b)
        XCTAssertEqual(resumed.stepCount, 2)

        setGradients(a, 3); adam.step(a)
        setGradients(b, 3); resumed.step(b)
        for (x, y) in zip(a, b) { XCTAssertEqual(x.value, y.value, "resumed run continues bit for bit") }

        // A fresh optimizer (bias correction restarting at step 1) would have gone elsewhere.
        let c = makeParameters()
        for (x, y) in zip(a, c) { y.value = x.value }
        setGradients(c, 3); Adam(learningRate: 0.05).step(c)
        XCTAssertNotEqual(c[0].value, a[0].value)
    }

    func testAdamLoadStateRejectsBadState() {
        let adam = Adam()
        let t = Tensor(shape: [2], data: [0, 0])
        let p = [Parameter(name: "w", value: Tensor(shape: [2], data: [1, 1]))]
        XCTAssertThrowsError(try adam.loadState(["x.w": t], stepCount: 1)) {
            XCTAssertEqual($0 as? OptimizerStateError, .unexpectedKey("x.w"))
        }
        XCTAssertThrowsError(try adam.loadState(["m.w": t], stepCount: 1)) {
            XCTAssertEqual($0 as? OptimizerStateError, .missingCompanion("m.w"))
        }
        XCTAssertThrowsError(try adam.loadState(["m.w": t, "v.w": t], stepCount: -1)) {
            XCTAssertEqual($0 as? OptimizerStateError, .invalidStepCount(-1))
        }
        XCTAssertThrowsError(try adam.loadState(["m.u": t, "v.u": t], stepCount: 1, parameters: p)) {
            XCTAssertEqual($0 as? OptimizerStateError, .unknownParameter("m.u"))
        }
        let wrong = Tensor(shape: [3], data: [0, 0, 0])
        XCTAssertThrowsError(try adam.loadState(["m.w": wrong, "v.w": wrong], stepCount: 1, parameters: p)) {
            XCTAssertEqual($0 as? OptimizerStateError, .shapeMismatch("m.w", expected: [2], found: [3]))
        }
        XCTAssertEqual(adam.stepCount, 0, "a rejected load changes nothing")
        XCTAssertNoThrow(try adam.loadState(["m.w": t, "v.w": t], stepCount: 4, parameters: p))
    }

    func testSGDMomentumStateRoundTrip() throws {
        let p = Parameter(name: "w", value: Tensor(shape: [1, 2], data: [1, 2]))
        let q = Parameter(name: "w", value: Tensor(shape: [1, 2], data: [1, 2]))
        let a = SGD(learningRate: 0.1, momentum: 0.9)
        p.grad = Tensor(shape: [1, 2], data: [1, -1]); a.step([p])
        q.value = p.value
        let b = SGD(learningRate: 0.1, momentum: 0.9)
        try b.loadState(a.stateTensors())
        XCTAssertEqual(a.stateTensors()["momentum.w"]?.shape, [1, 2])
        p.grad = Tensor(shape: [1, 2], data: [0.5, 0.5]); a.step([p])
        q.grad = Tensor(shape: [1, 2], data: [0.5, 0.5]); b.step([q])
        XCTAssertEqual(p.value, q.value)
    }

    func testStateFollowsParameterObjectsEvenWithEqualNames() {
        // Two layers built without a name prefix both call their weight "weight": each keeps its
        // own moments (a shared buffer would make b's first step differ from a fresh optimizer's).
        let a = Parameter(name: "weight", value: Tensor(shape: [1], data: [1]))
        let b = Parameter(name: "weight", value: Tensor(shape: [1], data: [1]))
        let adam = Adam(learningRate: 0.1)
        a.grad = Tensor(shape: [1], data: [5]); b.grad = Tensor(shape: [1], data: [-1])
        adam.step([a, b])
        XCTAssertEqual(a.value.data[0], 0.9, accuracy: 1e-6)
        XCTAssertEqual(b.value.data[0], 1.1, accuracy: 1e-6)
        // Loaded state waits by name, and is saved again unchanged if no step has used it yet.
        let fresh = Adam()
        let state = ["m.x": Tensor(shape: [1], data: [0.5]), "v.x": Tensor(shape: [1], data: [0.25])]
        XCTAssertNoThrow(try fresh.loadState(state, stepCount: 7))
        XCTAssertEqual(fresh.stateTensors(), state)
    }

    func testLargeParametersSplitAcrossThreadsUpdateExactlyLikeSmallOnes() {
        // 2¹⁸ elements take the two-thread path; the same values in 256 small parameters take the
        // serial one. Element-wise updates must agree bit for bit.
        let n = 1 << 18, piece = 1024
        var rng = SeededGenerator(seed: 5)
        let values = (0..<n).map { _ in rng.nextUniform(-1, 1) }
        let grads = (0..<n).map { _ in rng.nextUniform(-1, 1) }
        let big = Parameter(name: "big", value: Tensor(shape: [n], data: values))
        let small = (0..<n / piece).map { k in
            Parameter(name: "p\(k)", value: Tensor(shape: [piece], data: Array(values[k * piece..<(k + 1) * piece])))
        }
        let a = Adam(learningRate: 0.01, weightDecay: 0.1, decoupledWeightDecay: true), b = Adam(learningRate: 0.01, weightDecay: 0.1, decoupledWeightDecay: true)
        for _ in 0..<2 {
            big.grad = Tensor(shape: [n], data: grads)
            for (k, p) in small.enumerated() { p.grad = Tensor(shape: [piece], data: Array(grads[k * piece..<(k + 1) * piece])) }
            a.step([big])
            b.step(small)
        }
        XCTAssertEqual(big.value.data, small.flatMap(\.value.data))
    }

    func testLearningRateIsSettableThroughTheProtocol() {
        let optimizers: [Optimizer] = [SGD(learningRate: 1), Adam(learningRate: 1)]
        for o in optimizers { o.learningRate *= 0.5; XCTAssertEqual(o.learningRate, 0.5) }
    }

    // MARK: Gradient clipping

    func testClipGlobalNormReturnsPreClipNormAndScalesToMaxNorm() {
        // Global norm √(3² + 4² + 12²) = 13 across two parameters.
        let a = Parameter(name: "a", value: .zeros([2])), b = Parameter(name: "b", value: .zeros([1, 1]))
        a.grad = Tensor(shape: [2], data: [3, 4]); b.grad = Tensor(shape: [1, 1], data: [12])
        XCTAssertEqual(GradientClipping.clipGlobalNorm([a, b], maxNorm: 6.5), 13)
        // Scaled by 6.5 / (13 + 1e-6): direction kept, norm 6.5 up to the 1e-6 guard.
        XCTAssertEqual(a.grad.data[0], 1.5, accuracy: 1e-6)
        XCTAssertEqual(a.grad.data[1], 2, accuracy: 1e-6)
        XCTAssertEqual(b.grad.data[0], 6, accuracy: 1e-6)
        XCTAssertEqual(GradientClipping.clipGlobalNorm([a, b], maxNorm: 100), 6.5, accuracy: 1e-5)
        XCTAssertEqual(b.grad.data[0], 6, accuracy: 1e-6, "below maxNorm nothing changes")
    }

    func testClipGlobalNormLeavesNonFiniteGradientsAlone() {
        let a = Parameter(name: "a", value: .zeros([2]))
        a.grad = Tensor(shape: [2], data: [.infinity, 1])
        XCTAssertEqual(GradientClipping.clipGlobalNorm([a], maxNorm: 1), .infinity)
        XCTAssertEqual(a.grad.data, [.infinity, 1])
        a.grad = Tensor(shape: [2], data: [.nan, 1])
        XCTAssertTrue(GradientClipping.clipGlobalNorm([a], maxNorm: 1).isNaN)
        XCTAssertEqual(a.grad.data[1], 1)
        // Float overflow of the squares must not give ∞: the sum is taken in Double.
        a.grad = Tensor(shape: [2], data: [3e19, 4e19])
        XCTAssertEqual(GradientClipping.clipGlobalNorm([a], maxNorm: 1), 5e19, accuracy: 1e13)
        XCTAssertEqual(a.grad.data[0], 0.6, accuracy: 1e-6)
    }
}
