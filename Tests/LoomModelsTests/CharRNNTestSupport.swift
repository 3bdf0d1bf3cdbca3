import Foundation
import XCTest
@testable import LoomModels

/// Temporary folders and tiny corpora for the character-model tests.
enum CharRNNFixtures {
    /// A fresh empty temporary folder, removed when the test case ends.
    static func temporaryFolder(_ test: XCTestCase) -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("loom-charrnn-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// A very repetitive text: one sentence, `repeats` times.
    static let sentence = "the cat sat on the mat. "

    static func writeCorpus(_ text: String, in folder: URL, name: String = "corpus.txt") -> URL {
        let url = folder.appendingPathComponent(name)
        try! Data(text.utf8).write(to: url)
        return url
    }

    /// Small, fast settings for debug builds.
    static func tinyArchitecture(cell: LoomNN.CellKind = .lstm, layers: Int = 1, hidden: Int = 32) -> CharModelConfiguration {
        CharModelConfiguration(vocabularySize: 1, cell: cell, layers: layers, hiddenSize: hidden, embeddingSize: 8,
                               dropout: layers > 1 ? 0.2 : 0, outputDropout: 0)
    }

    static func tinyOptions(steps: Int) -> CharTrainingOptions {
        var options = CharTrainingOptions()
        options.sequenceLength = 12
        options.batchSize = 4
        options.learningRate = 1e-2
        options.decay = 1
        options.maxSteps = steps
        options.evaluateEvery = 50
        options.sampleLength = 0
        options.validationFraction = 0.1
        return options
    }

    /// Every file of a folder (recursively) with its bytes, to prove that nothing changed.
    static func snapshot(_ folder: URL) -> [String: Data] {
        var out: [String: Data] = [:]
        guard let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else { return out }
        for case let url as URL in enumerator {
            if let data = try? Data(contentsOf: url) { out[url.path.replacingOccurrences(of: folder.path, with: "")] = data }
        }
        return out
    }
}

import LoomNN
