import LoomNN
import LoomTensor

extension CharLanguageModel {
    /// Mean loss (nats per character) of predicting each character of `text` from the ones before it,
    /// without dropout. The text is read as up to `lanes` contiguous lanes in windows of `sequenceLength`,
    /// the hidden state carried from window to window, as training's validation does — so `loom charrnn
    /// eval` reproduces the figure training logged for the same text and settings.
    public func meanLoss(on text: ArraySlice<Int32>, lanes requestedLanes: Int, sequenceLength steps: Int) -> Double {
        let steps = max(steps, 1)
        let lanes = max(1, min(requestedLanes, text.count / (steps + 1)))
        let laneLength = text.count / lanes
        var state: RecurrentState? = nil
        var rng = SeededGenerator(seed: 0)
        var total = 0.0, count = 0
        var start = 0
        while start < laneLength - 1 {
            let length = min(steps, laneLength - 1 - start)
            var inputs = [Int32](repeating: 0, count: length * lanes)
            var targets = inputs
            for lane in 0..<lanes {
                let base = text.startIndex + lane * laneLength + start
                for t in 0..<length {
                    inputs[t * lanes + lane] = text[base + t]
                    targets[t * lanes + lane] = text[base + t + 1]
                }
            }
            let (logits, final) = forward(inputs, steps: length, batch: lanes, initialState: state, training: false, rng: &rng)
            total += Double(Loss.softmaxCrossEntropy(logits, targets: targets).loss) * Double(length * lanes)
            count += length * lanes
            state = final
            start += length
        }
        return total / Double(max(count, 1))
    }
}
