import Foundation
import XCTest
@testable import LoomModels

/// train-log.csv: Keras' CSVLogger layout, with the optional columns only where a record has them.
final class TrainingLogTests: XCTestCase {
    func record(_ epoch: Int) -> TrainingRecord {
        TrainingRecord(epoch: epoch, step: 10 * epoch, trainLoss: 0.5, trainAccuracy: 0.75, validationLoss: 0.25,
                       validationAccuracy: nil, gradientNorm: 2, learningRate: 0.125, tokensPerSecond: 1000, seconds: 4)
    }

    func testAPlainLogHasKerasColumnsAndEmptyCellsForWhatWasNotMeasured() {
        let lines = TrainingLog.csv([record(1), record(2)]).split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines, ["epoch,accuracy,gradient_norm,learning_rate,loss,seconds,step,tokens_per_second,val_accuracy,val_loss",
                               "1,0.75,2.0,0.125,0.5,4.0,10,1000.0,,0.25",
                               "2,0.75,2.0,0.125,0.5,4.0,20,1000.0,,0.25", ""])
    }

    func testBagWeightAndValidationMAEColumnsAppearWhereTheirNamesSort() {
        var first = record(1), second = record(2)
        first.bagWeight = 0.65
        second.validationMeanAbsoluteError = 1.5
        let lines = TrainingLog.csv([first, second]).split(separator: "\n")
        XCTAssertEqual(lines, ["epoch,accuracy,bag_weight,gradient_norm,learning_rate,loss,seconds,step,tokens_per_second,val_accuracy,val_loss,val_mae",
                               "1,0.75,0.65,2.0,0.125,0.5,4.0,10,1000.0,,0.25,",
                               "2,0.75,,2.0,0.125,0.5,4.0,20,1000.0,,0.25,1.5"])
    }
}
