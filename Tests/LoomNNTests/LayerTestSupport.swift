import XCTest
import LoomTensor
@testable import LoomNN

/// Central finite differences for the layer tests.
///
/// Every check uses the scalar objective L = Σ out_i · r_i with fixed random weights r, evaluated in
/// Double from the layer's Float32 outputs, so dL/dout = r is what backward receives. The numeric
/// derivative (L(θ + h) − L(θ − h)) / 2h has two error sources:
/// - truncation, O(h²·|L'''|): exactly zero for the layers checked here, which are linear (Dense in
///   x, W and b separately; Embedding in W; last/mean pooling; dropout with a fixed mask) or
///   piecewise linear with the kinks kept farther than h away (max pooling);
/// - rounding: each Float32 output carries a relative error of about k·2⁻²⁴ (k ≤ 5 terms here), so
///   L is off by at most ~Σ|r_i·out_i|·3e-7 ≈ 1e-5 for these sizes, and dividing by 2h = 0.02 gives
///   ≤ 5e-4 in the worst case (typically 1e-5).
/// Hence the default tolerance |numeric − analytic| ≤ 1e-3, against gradients of order 1; a wrong
/// index or a missing term shows up as an error of order 0.1 or more.
enum LayerGradCheck {
    static func weights(_ count: Int, seed: UInt64) -> [Float] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in rng.nextUniform(-1, 1) }
    }

    static func randomTensor(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
        Tensor(shape: shape, data: weights(shape.reduce(1, *), seed: seed).map { $0 * scale })
    }

    /// Σ out_i·r_i in Double.
    static func objective(_ out: Tensor, _ r: [Float]) -> Double {
        precondition(out.count == r.count)
        var s = 0.0
        for i in 0..<r.count { s += Double(out.data[i]) * Double(r[i]) }
        return s
    }

    /// Numeric gradient of `loss` with respect to the `count` values reached through `get`/`set`.
    static func numericGradient(count: Int, h: Float, get: (Int) -> Float, set: (Int, Float) -> Void,
                                loss: () -> Double) -> [Double] {
        (0..<count).map { i in
            let original = get(i)
            set(i, original + h)
            let plus = loss()
            set(i, original - h)
            let minus = loss()
            set(i, original)
            return (plus - minus) / (2 * Double(h))
        }
    }

    /// Numeric gradient with respect to a parameter's value.
    static func numericGradient(of parameter: Parameter, h: Float = 1e-2, loss: () -> Double) -> [Double] {
        numericGradient(count: parameter.value.count, h: h, get: { parameter.value.data[$0] },
                        set: { parameter.value.data[$0] = $1 }, loss: loss)
    }

    /// Numeric gradient with respect to the elements of a tensor passed to `loss`.
    static func numericGradient(of input: Tensor, h: Float = 1e-2, loss: (Tensor) -> Double) -> [Double] {
        var x = input
        return numericGradient(count: x.count, h: h, get: { x.data[$0] }, set: { x.data[$0] = $1 }, loss: { loss(x) })
    }

    static func assertClose(_ numeric: [Double], _ analytic: Tensor, tolerance: Double = 1e-3, _ what: String,
                            file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(numeric.count, analytic.count, "\(what): size", file: file, line: line)
        var worst = 0.0
        for i in 0..<min(numeric.count, analytic.count) {
            let error = abs(numeric[i] - Double(analytic.data[i]))
            worst = max(worst, error)
            if error > tolerance {
                XCTFail("\(what)[\(i)]: numeric \(numeric[i]) vs analytic \(analytic.data[i])", file: file, line: line)
                return
            }
        }
    }
}
