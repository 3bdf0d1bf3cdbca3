import Foundation
import XCTest
@testable import LoomTensor

/// The vectorisable exp/sigmoid/tanh against Double-precision references over a dense sweep.
final class FastMathTests: XCTestCase {
    private func sweep(_ low: Float, _ high: Float, count: Int = 200_001) -> [Float] {
        (0..<count).map { low + (high - low) * Float($0) / Float(count - 1) }
    }

    func testExpRelativeError() {
        var worst = 0.0
        for x in sweep(-87, 88) {
            let exact = Foundation.exp(Double(x))
            worst = max(worst, abs(Double(FastMath.exp(x)) - exact) / exact)
        }
        XCTAssertLessThan(worst, 2e-7)
        XCTAssertTrue(FastMath.exp(1000).isFinite)
        XCTAssertEqual(FastMath.exp(-1000), 0, accuracy: 1e-37)
    }

    func testSigmoidAndTanhErrors() {
        var worstSigmoidRel = 0.0, worstTanhRel = 0.0, worstTanhAbs = 0.0
        for x in sweep(-30, 30) + sweep(-1e-3, 1e-3, count: 2001) {
            let s = 1 / (1 + Foundation.exp(-Double(x)))
            worstSigmoidRel = max(worstSigmoidRel, abs(Double(FastMath.sigmoid(x)) - s) / s)
            let t = Foundation.tanh(Double(x))
            worstTanhAbs = max(worstTanhAbs, abs(Double(FastMath.tanh(x)) - t))
            if t != 0 { worstTanhRel = max(worstTanhRel, abs(Double(FastMath.tanh(x)) - t) / abs(t)) }
        }
        XCTAssertLessThan(worstSigmoidRel, 1e-6)
        XCTAssertLessThan(worstTanhRel, 1e-6)
        XCTAssertLessThan(worstTanhAbs, 2e-7)
        XCTAssertEqual(FastMath.tanh(0), 0)
        XCTAssertEqual(FastMath.tanh(50), 1)
        XCTAssertEqual(FastMath.tanh(-50), -1)
        XCTAssertEqual(FastMath.sigmoid(-200), 0, accuracy: 1e-30)
        XCTAssertEqual(FastMath.sigmoid(200), 1)
        XCTAssertEqual(FastMath.tanh(.infinity), 1)
        XCTAssertEqual(FastMath.sigmoid(-.infinity), 0, accuracy: 1e-30)
    }
}
