import XCTest
@testable import LoomModels

final class ClassificationMetricsTests: XCTestCase {
    func testCountsAndRatesOnAHandMadeExample() {
        // truth:     1 1 1 0 0 0 0 1
        // predicted: 1 0 1 0 1 0 0 1   → TP 3, FN 1, TN 3, FP 1
        let metrics = ClassificationMetrics(classes: ["neg", "pos"], truth: [1, 1, 1, 0, 0, 0, 0, 1],
                                            predicted: [1, 0, 1, 0, 1, 0, 0, 1])
        XCTAssertEqual(metrics.confusion, [[3, 1], [1, 3]])
        XCTAssertEqual(metrics.accuracy, 0.75)
        XCTAssertEqual(metrics.precision[1], 0.75)
        XCTAssertEqual(metrics.recall[1], 0.75)
        XCTAssertEqual(metrics.f1[1], 0.75, accuracy: 1e-12)
        XCTAssertNil(metrics.rocAUC)
    }

    func testROCAUCMatchesPairCounting() {
        // Positives score 0.9, 0.4, 0.6; negatives 0.1, 0.4, 0.7.
        // Pairs (pos > neg): 0.9 beats all 3; 0.6 beats 0.1 and 0.4; 0.4 beats 0.1 and ties 0.4 (½).
        // (3 + 2 + 1.5) / 9 = 6.5 / 9.
        let auc = ClassificationMetrics.rocAUC(scores: [0.9, 0.1, 0.4, 0.4, 0.6, 0.7],
                                               positives: [true, false, true, false, true, false])
        XCTAssertEqual(auc!, 6.5 / 9, accuracy: 1e-12)
        XCTAssertEqual(ClassificationMetrics.rocAUC(scores: [0.2, 0.8], positives: [false, true]), 1)
        XCTAssertNil(ClassificationMetrics.rocAUC(scores: [0.2, 0.8], positives: [true, true]))
    }
}
