import Foundation
import XCTest
import LoomTensor
@testable import LoomNN

final class ParameterStoreTests: XCTestCase {
    func testSaveAndLoadThroughSafetensorsRestoresAModel() throws {
        var rng = SeededGenerator(seed: 1)
        let a = [Embedding(vocabularySize: 5, dimension: 3, name: "embedding", rng: &rng).weight]
            + Dense(inputSize: 3, outputSize: 2, name: "fc", rng: &rng).parameters
        let b = [Embedding(vocabularySize: 5, dimension: 3, name: "embedding", rng: &rng).weight]
            + Dense(inputSize: 3, outputSize: 2, name: "fc", rng: &rng).parameters
        XCTAssertNotEqual(a[1].value, b[1].value)
        let bytes = try SafeTensors.encode(ParameterStore.tensors(a))
        b[1].grad.data[0] = 5
        try ParameterStore.load(SafeTensors.decode(bytes).tensors, into: b)
        for (x, y) in zip(a, b) { XCTAssertEqual(x.value, y.value) }
        XCTAssertEqual(b[1].grad.data[0], 0)
    }

    func testLoadIsAllOrNothingWithTypedErrors() {
        let w = Parameter(name: "fc.weight", value: Tensor(shape: [2, 2], data: [1, 2, 3, 4]))
        let b = Parameter(name: "fc.bias", value: Tensor(shape: [2], data: [5, 6]))
        let good = ["fc.weight": Tensor(shape: [2, 2], data: [0, 0, 0, 0]), "fc.bias": Tensor(shape: [2], data: [9, 9])]
        func expect(_ tensors: [String: Tensor], _ error: ParameterLoadError, allowUnused: Bool = false) {
            XCTAssertThrowsError(try ParameterStore.load(tensors, into: [w, b], allowUnused: allowUnused)) {
                XCTAssertEqual($0 as? ParameterLoadError, error)
            }
            XCTAssertEqual(w.value.data, [1, 2, 3, 4], "nothing replaced")
        }
        expect(["fc.weight": good["fc.weight"]!], .missing("fc.bias"))
        expect(["fc.weight": good["fc.weight"]!, "fc.bias": Tensor(shape: [3], data: [1, 2, 3])],
               .shapeMismatch("fc.bias", expected: [2], found: [3]))
        var extra = good
        extra["lstm.weight_ih_l0"] = Tensor(shape: [1], data: [0])
        expect(extra, .unused(["lstm.weight_ih_l0"]))
        XCTAssertThrowsError(try ParameterStore.load(good, into: [w, Parameter(name: "fc.weight", value: .zeros([2, 2]))])) {
            XCTAssertEqual($0 as? ParameterLoadError, .duplicateParameterName("fc.weight"))
        }
        XCTAssertNoThrow(try ParameterStore.load(extra, into: [w, b], allowUnused: true))
        XCTAssertEqual(b.value.data, [9, 9])
    }
}
