import XCTest
import LoomNN

/// Central finite differences of `loss` against each parameter's accumulated `grad`, at `samples` evenly
/// spaced entries per parameter (step `h`; truncation O(h²), rounding ≈ 1e-7/h for float32 values of order 1).
/// The one loop the model tests share.
func assertGradientsMatchFiniteDifferences(_ parameters: [Parameter], samples: Int = 5, h: Float = 1e-2, _ label: String = "",
                                           loss: () -> Double, file: StaticString = #filePath, line: UInt = #line) {
    for parameter in parameters {
        for index in Swift.stride(from: 0, to: parameter.value.count, by: max(1, parameter.value.count / samples)) {
            let original = parameter.value.data[index]
            parameter.value.data[index] = original + h
            let plus = loss()
            parameter.value.data[index] = original - h
            let minus = loss()
            parameter.value.data[index] = original
            let numeric = (plus - minus) / Double(2 * h)
            XCTAssertEqual(Double(parameter.grad.data[index]), numeric, accuracy: 2e-3 + 2e-2 * abs(numeric),
                           "\(label.isEmpty ? "" : label + " ")\(parameter.name)[\(index)]", file: file, line: line)
        }
    }
}
