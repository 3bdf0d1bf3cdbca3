import XCTest
@testable import LoomModels
import LoomTensor

/// Temperature, top-k and top-p on a known distribution.
final class SamplingStrategyTests: XCTestCase {
    /// log of [0.5, 0.3, 0.15, 0.05]: softmax at temperature 1 gives these probabilities back.
    let known: [Float] = [0.5, 0.3, 0.15, 0.05].map { Float(log(Double($0))) }

    func testTemperatureOneReproducesTheDistribution() throws {
        let p = try SamplingStrategy(temperature: 1).distribution(logits: known)
        for (value, expected) in zip(p, [Float(0.5), 0.3, 0.15, 0.05]) { XCTAssertEqual(value, expected, accuracy: 1e-6) }
    }

    func testTopPKeepsTheSmallestSetReachingP() throws {
        let p = try SamplingStrategy(temperature: 1, topP: 0.8).distribution(logits: known)
        XCTAssertEqual(p[0], 0.625, accuracy: 1e-6)
        XCTAssertEqual(p[1], 0.375, accuracy: 1e-6)
        XCTAssertEqual(p[2], 0)
        XCTAssertEqual(p[3], 0)
        // Just above 0.8 needs the third character too.
        let q = try SamplingStrategy(temperature: 1, topP: 0.81).distribution(logits: known)
        XCTAssertEqual(q[0], 0.5 / 0.95, accuracy: 1e-6)
        XCTAssertEqual(q[2], 0.15 / 0.95, accuracy: 1e-6)
        XCTAssertEqual(q[3], 0)
        // p = 1 keeps everything.
        let all = try SamplingStrategy(temperature: 1, topP: 1).distribution(logits: known)
        XCTAssertEqual(all[3], 0.05, accuracy: 1e-6)
    }

    func testTopKKeepsTheKMostLikely() throws {
        let p = try SamplingStrategy(temperature: 1, topK: 2).distribution(logits: known)
        XCTAssertEqual(p[0], 0.625, accuracy: 1e-6)
        XCTAssertEqual(p[1], 0.375, accuracy: 1e-6)
        XCTAssertEqual(p[2] + p[3], 0)
    }

    func testHighTemperatureFlattensLowTemperatureSharpens() throws {
        let hot = try SamplingStrategy(temperature: 1e4).distribution(logits: known)
        for value in hot { XCTAssertEqual(value, 0.25, accuracy: 1e-3) }
        let warm = try SamplingStrategy(temperature: 2).distribution(logits: known)
        XCTAssertLessThan(warm[0], 0.5)
        XCTAssertGreaterThan(warm[3], 0.05)
        let cold = try SamplingStrategy(temperature: 0.5).distribution(logits: known)
        XCTAssertGreaterThan(cold[0], 0.5)
        XCTAssertLessThan(cold[3], 0.05)
        let frozen = try SamplingStrategy(temperature: 1e-3).distribution(logits: known)
        XCTAssertEqual(frozen[0], 1, accuracy: 1e-6)
    }

    func testTemperatureZeroIsGreedyAndTopKOneEqualsGreedy() throws {
        var rng = SeededGenerator(seed: 7)
        let greedy = try SamplingStrategy(temperature: 0)
        let topOne = try SamplingStrategy(temperature: 1.3, topK: 1)
        for _ in 0..<200 {
            let logits = (0..<17).map { _ in rng.nextNormal() * 3 }
            let best = logits.indices.max { logits[$0] < logits[$1] }!
            XCTAssertEqual(greedy.sample(logits: logits, rng: &rng), best)
            XCTAssertEqual(topOne.sample(logits: logits, rng: &rng), best)
            XCTAssertEqual(topOne.distribution(logits: logits), greedy.distribution(logits: logits))
        }
    }

    /// Sample frequencies over 20,000 draws lie within 3σ of the distribution, plain and with top-p.
    func testSampleFrequenciesMatchTheDistribution() throws {
        for strategy in [try SamplingStrategy(temperature: 1), try SamplingStrategy(temperature: 1, topP: 0.8),
                         try SamplingStrategy(temperature: 0.5)] {
            let expected = strategy.distribution(logits: known)
            var rng = SeededGenerator(seed: 1234)
            var counts = [Int](repeating: 0, count: known.count)
            let draws = 20_000
            for _ in 0..<draws { counts[strategy.sample(logits: known, rng: &rng)] += 1 }
            for (count, p) in zip(counts, expected) {
                let mean = Double(draws) * Double(p)
                let sigma = (Double(draws) * Double(p) * (1 - Double(p))).squareRoot()
                XCTAssertLessThanOrEqual(abs(Double(count) - mean), 3 * sigma + 1e-9,
                                         "\(strategy): \(counts) vs \(expected)")
            }
        }
    }

    func testSameSeedSameDraws() throws {
        let strategy = try SamplingStrategy(temperature: 0.9, topK: 3, topP: 0.95)
        var a = SeededGenerator(seed: 99), b = SeededGenerator(seed: 99)
        let first = (0..<100).map { _ in strategy.sample(logits: known, rng: &a) }
        let second = (0..<100).map { _ in strategy.sample(logits: known, rng: &b) }
        XCTAssertEqual(first, second)
    }

    func testInvalidSettingsAreRejected() {
        XCTAssertThrowsError(try SamplingStrategy(temperature: -0.5))
        XCTAssertThrowsError(try SamplingStrategy(temperature: .nan))
        XCTAssertThrowsError(try SamplingStrategy(temperature: .infinity))
        XCTAssertThrowsError(try SamplingStrategy(temperature: 1, topP: 0))
        XCTAssertThrowsError(try SamplingStrategy(temperature: 1, topP: 1.5))
        XCTAssertThrowsError(try SamplingStrategy(temperature: 1, topP: -0.1))
        XCTAssertThrowsError(try SamplingStrategy(temperature: 1, topK: 0))
        XCTAssertNoThrow(try SamplingStrategy(temperature: 0, topK: 1, topP: 1))
        XCTAssertThrowsError(try SamplingStrategy(temperature: 1, topP: 1.5)) { error in
            XCTAssertTrue("\(error)".contains("--top-p"))
        }
    }
}

/// `RepetitionControl` on known logits: Hugging Face's penalty rule and n-gram ban.
final class RepetitionControlTests: XCTestCase {
    func testPenaltyDividesPositiveAndMultipliesNegativeLogitsOfRecentSymbols() throws {
        let control = try RepetitionControl(penalty: 2, window: 64)
        var logits: [Float] = [2, -1, 0.5, 3]
        control.adjust(&logits, history: [0, 1, 0][...])
        XCTAssertEqual(logits, [1, -2, 0.5, 3], "each seen symbol once: 2/2, −1·2; unseen unchanged")
        // Only the window counts: of [0, 1, 3] a window of 1 sees symbol 3 alone.
        var windowed: [Float] = [2, -1, 0.5, 3]
        try RepetitionControl(penalty: 2, window: 1).adjust(&windowed, history: [0, 1, 3][...])
        XCTAssertEqual(windowed, [2, -1, 0.5, 1.5])
        // The sampled distribution is softmax of the adjusted logits.
        let p = try SamplingStrategy(temperature: 1).distribution(logits: logits)
        let e = logits.map { exp(Double($0)) }, z = e.reduce(0, +)
        for i in 0..<4 { XCTAssertEqual(Double(p[i]), e[i] / z, accuracy: 1e-6) }
        var unchanged: [Float] = [2, -1]
        RepetitionControl.none.adjust(&unchanged, history: [0, 1][...])
        XCTAssertEqual(unchanged, [2, -1])
    }

    func testNoRepeatNgramBansCompletionsAndLiftsATotalBan() throws {
        var logits: [Float] = [0, 0, 0, 0]
        try RepetitionControl(noRepeatNgram: 2).adjust(&logits, history: [1, 2, 3, 1][...])
        XCTAssertEqual(logits, [0, 0, -.infinity, 0], "1→2 happened, so after a 1 the 2 is banned")
        let p = try SamplingStrategy(temperature: 1).distribution(logits: logits)
        XCTAssertEqual(p, [1.0 / 3, 1.0 / 3, 0, 1.0 / 3])
        var unigram: [Float] = [0, 0, 0]
        try RepetitionControl(noRepeatNgram: 1).adjust(&unigram, history: [0, 2][...])
        XCTAssertEqual(unigram, [-.infinity, 0, -.infinity])
        var everything: [Float] = [0, 1]
        try RepetitionControl(noRepeatNgram: 1).adjust(&everything, history: [0, 1][...])
        XCTAssertEqual(everything, [0, 1], "banning every symbol would leave nothing to draw: no ban")
    }

    func testInvalidSettingsAreErrors() {
        XCTAssertThrowsError(try RepetitionControl(penalty: 0))
        XCTAssertThrowsError(try RepetitionControl(penalty: .nan))
        XCTAssertThrowsError(try RepetitionControl(window: 0))
        XCTAssertThrowsError(try RepetitionControl(noRepeatNgram: 0))
    }
}
