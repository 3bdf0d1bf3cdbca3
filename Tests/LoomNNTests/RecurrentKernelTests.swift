import XCTest
import LoomTensor
@testable import LoomNN

/// The C gate kernels (loom_gates.c, compiled per CPU level) agree with the readable Swift references.
final class RecurrentKernelTests: XCTestCase {
    private var rng = SeededGenerator(seed: 31)
    private func random(_ count: Int, _ scale: Float = 2) -> [Float] { (0..<count).map { _ in rng.nextNormal() * scale } }

    private func assertClose(_ a: [Float], _ b: [Float], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count)
        // Same formulas and approximations; only FMA contraction and evaluation order may differ.
        XCTAssertLessThan(maxAbsDifference(a, b), 2e-6, what, file: file, line: line)
    }

    func testLSTMKernelsMatchReference() {
        for (B, H) in [(3, 37), (4, 128), (1, 16)] {
            for masked in [false, true] {
                let mask: [Float] = (0..<B).map { masked && $0 == 1 ? 0 : 1 }
                let gates = random(B * 4 * H), bias = random(4 * H), cPrev = random(B * H), hPrev = random(B * H)
                func forward(_ native: Bool) -> [[Float]] {
                    var g = gates, tc = [Float](repeating: 0, count: B * H), h = tc, c = tc, y = tc
                    mask.withUnsafeBufferPointer { m in
                        let mp = masked ? m.baseAddress : nil
                        if native {
                            lstmForwardStep(batch: B, hidden: H, gates: &g, bias: bias, cPrev: cPrev, hPrev: hPrev, tanhC: &tc,
                                            mask: mp, h: &h, c: &c, output: &y)
                        } else {
                            referenceLstmForwardStep(batch: B, hidden: H, gates: &g, bias: bias, cPrev: cPrev, hPrev: hPrev,
                                                     tanhC: &tc, mask: mp, h: &h, c: &c, output: &y)
                        }
                    }
                    return [g, tc, h, c, y]
                }
                for (a, b) in zip(forward(true), forward(false)) { assertClose(a, b, "lstm forward B=\(B) H=\(H)") }

                let acts = forward(false)[0], tanhC = forward(false)[1]
                for withOutput in [false, true] {
                    let dy = random(B * H), dh0 = random(B * H), dc0 = random(B * H)
                    func backward(_ native: Bool) -> [[Float]] {
                        var dh = dh0, dc = dc0, dg = [Float](repeating: 0, count: B * 4 * H)
                        mask.withUnsafeBufferPointer { m in
                        dy.withUnsafeBufferPointer { d in
                            let mp = masked ? m.baseAddress : nil, dp = withOutput ? d.baseAddress : nil
                            if native {
                                lstmBackwardStep(batch: B, hidden: H, gates: acts, cPrev: cPrev, tanhC: tanhC, mask: mp,
                                                 dOutput: dp, dh: &dh, dc: &dc, dGates: &dg)
                            } else {
                                referenceLstmBackwardStep(batch: B, hidden: H, gates: acts, cPrev: cPrev, tanhC: tanhC,
                                                          mask: mp, dOutput: dp, dh: &dh, dc: &dc, dGates: &dg)
                            }
                        }}
                        return [dh, dc, dg]
                    }
                    for (a, b) in zip(backward(true), backward(false)) { assertClose(a, b, "lstm backward B=\(B) H=\(H)") }
                }
            }
        }
    }

    func testGRUKernelsMatchReference() {
        for (B, H) in [(3, 37), (4, 128), (1, 16)] {
            for masked in [false, true] {
                let mask: [Float] = (0..<B).map { masked && $0 == 0 ? 0 : 1 }
                let gates = random(B * 3 * H), bias = random(3 * H), recurrent = random(B * 3 * H), hPrev = random(B * H)
                func forward(_ native: Bool) -> [[Float]] {
                    var g = gates, hn = [Float](repeating: 0, count: B * H), h = hn, y = hn
                    mask.withUnsafeBufferPointer { m in
                        let mp = masked ? m.baseAddress : nil
                        if native {
                            gruForwardStep(batch: B, hidden: H, gates: &g, bias: bias, recurrent: recurrent, hiddenN: &hn,
                                           hPrev: hPrev, mask: mp, h: &h, output: &y)
                        } else {
                            referenceGruForwardStep(batch: B, hidden: H, gates: &g, bias: bias, recurrent: recurrent,
                                                    hiddenN: &hn, hPrev: hPrev, mask: mp, h: &h, output: &y)
                        }
                    }
                    return [g, hn, h, y]
                }
                for (a, b) in zip(forward(true), forward(false)) { assertClose(a, b, "gru forward B=\(B) H=\(H)") }

                let acts = forward(false)[0], hiddenN = forward(false)[1]
                for withOutput in [false, true] {
                    let dy = random(B * H), dh0 = random(B * H)
                    func backward(_ native: Bool) -> [[Float]] {
                        var dh = dh0, dx = [Float](repeating: 0, count: B * 3 * H), dhg = dx
                        mask.withUnsafeBufferPointer { m in
                        dy.withUnsafeBufferPointer { d in
                            let mp = masked ? m.baseAddress : nil, dp = withOutput ? d.baseAddress : nil
                            if native {
                                gruBackwardStep(batch: B, hidden: H, gates: acts, hiddenN: hiddenN, hPrev: hPrev, mask: mp,
                                                dOutput: dp, dh: &dh, dInputGates: &dx, dHiddenGates: &dhg)
                            } else {
                                referenceGruBackwardStep(batch: B, hidden: H, gates: acts, hiddenN: hiddenN, hPrev: hPrev,
                                                         mask: mp, dOutput: dp, dh: &dh, dInputGates: &dx, dHiddenGates: &dhg)
                            }
                        }}
                        return [dh, dx, dhg]
                    }
                    for (a, b) in zip(backward(true), backward(false)) { assertClose(a, b, "gru backward B=\(B) H=\(H)") }
                }
            }
        }
    }
}
