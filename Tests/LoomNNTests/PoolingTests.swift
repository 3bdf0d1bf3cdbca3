import XCTest
import LoomTensor
@testable import LoomNN

/// Temporal pooling over [T, B, F] outputs: values against hand-picked steps, and finite-difference
/// checks for every kind, 1 and 2 directions, no mask, pre- and post-padded masks.
final class PoolingTests: XCTestCase {
    typealias G = LayerGradCheck
    static let t = 4, b = 3, h = 2

    /// Masks [T, B] for lengths 4, 2 and 0 (the empty sequence must pool to zeros).
    static func mask(pre: Bool) -> Tensor {
        let lengths = [4, 2, 0]
        var m = [Float](repeating: 0, count: t * b)
        for seq in 0..<b {
            for step in 0..<t {
                let real = pre ? step >= t - lengths[seq] : step < lengths[seq]
                m[step * b + seq] = real ? 1 : 0
            }
        }
        return Tensor(shape: [t, b], data: m)
    }

    /// Outputs whose values are a shuffled 0.1·k for distinct k, so no two are within 0.1 and the
    /// max pooling's argmax cannot change under a finite-difference step of 0.01.
    static func outputs(directions: Int, seed: UInt64) -> Tensor {
        let count = t * b * h * directions
        var rng = SeededGenerator(seed: seed)
        var values = (0..<count).map { Float($0) * 0.1 - Float(count) * 0.05 }
        values.shuffle(using: &rng)
        return Tensor(shape: [t, b, h * directions], data: values)
    }

    func value(_ x: Tensor, _ step: Int, _ seq: Int, _ j: Int) -> Float { x.data[(step * x.shape[1] + seq) * x.shape[2] + j] }

    func testLastPicksForwardLastAndReverseFirstRealStep() {
        let x = Self.outputs(directions: 2, seed: 1)
        let f = 2 * Self.h
        for pre in [false, true] {
            var pool = TemporalPooling(.last, directions: 2)
            let y = pool.forward(x, mask: Self.mask(pre: pre))
            XCTAssertEqual(y.shape, [Self.b, f])
            // Sequence 1 has 2 real steps: 0,1 when post-padded, 2,3 when pre-padded.
            let (first, last) = pre ? (2, 3) : (0, 1)
            for j in 0..<Self.h { XCTAssertEqual(y.data[1 * f + j], value(x, last, 1, j)) }
            for j in Self.h..<f { XCTAssertEqual(y.data[1 * f + j], value(x, first, 1, j)) }
            // Sequence 0 is full: forward half from step 3, reverse half from step 0.
            for j in 0..<Self.h { XCTAssertEqual(y.data[j], value(x, 3, 0, j)) }
            for j in Self.h..<f { XCTAssertEqual(y.data[j], value(x, 0, 0, j)) }
            // Sequence 2 is empty.
            XCTAssertEqual(Array(y.data[2 * f..<3 * f]), [Float](repeating: 0, count: f))
        }
        var pool = TemporalPooling(.last)
        let single = Self.outputs(directions: 1, seed: 2)
        let y = pool.forward(single, mask: nil)
        XCTAssertEqual(Array(y.data[0..<2]), [value(single, 3, 0, 0), value(single, 3, 0, 1)])
    }

    func testMeanAndMaxOverRealStepsOnly() {
        let x = Self.outputs(directions: 1, seed: 3)
        for pre in [false, true] {
            let steps = pre ? [2, 3] : [0, 1]
            var mean = TemporalPooling(.mean)
            let m = mean.forward(x, mask: Self.mask(pre: pre))
            var max = TemporalPooling(.max)
            let mx = max.forward(x, mask: Self.mask(pre: pre))
            for j in 0..<Self.h {
                XCTAssertEqual(m.data[1 * Self.h + j], (value(x, steps[0], 1, j) + value(x, steps[1], 1, j)) / 2, accuracy: 1e-6)
                XCTAssertEqual(mx.data[1 * Self.h + j], Swift.max(value(x, steps[0], 1, j), value(x, steps[1], 1, j)))
                XCTAssertEqual(m.data[2 * Self.h + j], 0)
                XCTAssertEqual(mx.data[2 * Self.h + j], 0)
                let all = (0..<Self.t).map { value(x, $0, 0, j) }
                XCTAssertEqual(m.data[j], all.reduce(0, +) / 4, accuracy: 1e-6)
                XCTAssertEqual(mx.data[j], all.max()!)
            }
        }
    }

    func testPoolingGradientsMatchFiniteDifferences() {
        for kind in TemporalPooling.kinds {  // attention: AttentionPoolingTests
            for directions in [1, 2] {
                for (label, mask) in [("no mask", nil), ("post-padded", Self.mask(pre: false)), ("pre-padded", Self.mask(pre: true))] {
                    let x = Self.outputs(directions: directions, seed: 10 + UInt64(directions))
                    let r = G.weights(Self.b * Self.h * directions, seed: 20)
                    var pool = TemporalPooling(kind, directions: directions)
                    _ = pool.forward(x, mask: mask)
                    let dx = pool.backward(Tensor(shape: [Self.b, Self.h * directions], data: r))
                    XCTAssertEqual(dx.shape, x.shape)
                    let numeric = G.numericGradient(of: x) { input in
                        var p = TemporalPooling(kind, directions: directions)
                        return G.objective(p.forward(input, mask: mask), r)
                    }
                    G.assertClose(numeric, dx, "\(kind) pooling, \(directions) directions, \(label)")
                    if let mask {
                        // Padded steps (and the empty sequence) get exactly zero gradient.
                        for step in 0..<Self.t {
                            for seq in 0..<Self.b where mask.data[step * Self.b + seq] == 0 {
                                for j in 0..<Self.h * directions {
                                    XCTAssertEqual(dx.data[(step * Self.b + seq) * Self.h * directions + j], 0)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
