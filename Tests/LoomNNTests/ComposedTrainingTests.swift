import XCTest
import LoomTensor
@testable import LoomNN

/// The non-recurrent pieces composed into a tiny bag-of-embeddings classifier (Embedding → mean
/// pooling over time → Dropout → Dense → BCE, Adam, clipping), trained on a toy task. Checks that
/// the parts fit together (shapes, masks, gradient accumulation, optimizer) and that it learns.
final class ComposedTrainingTests: XCTestCase {
    /// Ids 2…9 are "positive" words, 10…17 "negative"; the label is 1 when positives outnumber
    /// negatives. Sequences of 3…8 tokens (odd counts of sentiment words break ties), pre-padded with 0.
    static func batch(_ size: Int, steps: Int, rng: inout SeededGenerator) -> (ids: [Int32], mask: Tensor, labels: [Float]) {
        var ids = [Int32](repeating: 0, count: steps * size)  // time-major [T, B]
        var mask = [Float](repeating: 0, count: steps * size)
        var labels: [Float] = []
        for b in 0..<size {
            let length = 3 + 2 * Int(rng.next() % 3)  // 3, 5 or 7
            var score = 0
            for k in 0..<length {
                let positive = rng.next() % 2 == 0
                score += positive ? 1 : -1
                let id = Int32(positive ? 2 + rng.next() % 8 : 10 + rng.next() % 8)
                let t = steps - length + k
                ids[t * size + b] = id
                mask[t * size + b] = 1
            }
            labels.append(score > 0 ? 1 : 0)
        }
        return (ids, Tensor(shape: [steps, size], data: mask), labels)
    }

    func testBagOfEmbeddingsClassifierLearnsToyTask() {
        var rng = SeededGenerator(seed: 2026)
        let steps = 8, batchSize = 32, dim = 8
        let embedding = Embedding(vocabularySize: 20, dimension: dim, paddingIndex: 0, name: "embedding", rng: &rng)
        let fc = Dense(inputSize: dim, outputSize: 1, name: "fc", rng: &rng)
        var pooling = TemporalPooling(.mean)
        var dropout = Dropout(rate: 0.1)
        let parameters = embedding.parameters + fc.parameters
        let adam = Adam(learningRate: 0.05)
        var firstLoss: Float = 0, lastLoss: Float = 0
        for step in 0..<150 {
            let (ids, mask, labels) = Self.batch(batchSize, steps: steps, rng: &rng)
            zeroGradients(parameters)
            let embedded = embedding.forward(ids).reshaped([steps, batchSize, dim])
            let pooled = pooling.forward(embedded, mask: mask)
            let dropped = dropout.forward(pooled, training: true, rng: &rng)
            let logits = fc.forward(dropped)
            let (loss, dLogits) = Loss.binaryCrossEntropyWithLogits(logits, targets: labels)
            let dPooled = dropout.backward(fc.backward(dLogits))
            embedding.backward(pooling.backward(dPooled).reshaped([steps * batchSize, dim]))
            let norm = GradientClipping.clipGlobalNorm(parameters, maxNorm: 5)
            XCTAssertTrue(norm.isFinite)
            adam.step(parameters)
            if step == 0 { firstLoss = loss }
            lastLoss = loss
        }
        XCTAssertEqual(Array(embedding.weight.value.data[0..<dim]), [Float](repeating: 0, count: dim), "padding row never moves")

        // Held-out accuracy, inference path (apply, no dropout).
        var correct = 0
        let (ids, mask, labels) = Self.batch(500, steps: steps, rng: &rng)
        var evalPooling = TemporalPooling(.mean)
        let logits = fc.apply(evalPooling.forward(embedding.apply(ids).reshaped([steps, 500, dim]), mask: mask))
        for i in 0..<500 where (logits.data[i] > 0) == (labels[i] == 1) { correct += 1 }
        print("toy classifier: loss \(firstLoss) → \(lastLoss), held-out accuracy \(Double(correct) / 500)")
        XCTAssertLessThan(lastLoss, firstLoss / 3, "loss \(firstLoss) → \(lastLoss)")
        // Mean of embeddings separates by the sign of the sentiment score; 95% with this seed leaves margin.
        XCTAssertGreaterThan(Double(correct) / 500, 0.95, "held-out accuracy")
    }
}
