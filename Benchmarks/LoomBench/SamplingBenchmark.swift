import Foundation
import LoomModels
import LoomNN
import LoomTensor
import LoomText

/// `loom-bench sample`: characters per second of batch-1 sampling from a character model, through the
/// same path `loom sample` uses (prompt, one step per character, temperature sampling, per-character
/// log-probability). By default a randomly initialised model of the PyTorch peer's shape (2 layers of 256,
/// embedding 64, 65 characters), LSTM then GRU; one JSON line per cell. `Benchmarks/run.sh sample` runs the
/// peer (`peer_torch.py --which sample`) right after it; `--peer PYTHON` does the same from here.
///
/// Options: --chars N (20000) --repeats R (5) --cell lstm|gru|rnn (default: lstm and gru) --layers L (2)
/// --hidden H (256) --embedding E (64) --vocab V (65) --temperature T (0.8) --threads N (BLAS threads)
/// --model DIR (a trained model instead of random weights) --peer PYTHON --peer-script PATH
/// (default ../shared/peers/peer_torch.py) --peer-threads N (2).
func runSamplingBenchmark(arguments: [String]) throws {
    func int(_ key: String, _ fallback: Int) -> Int { option(key, in: arguments).flatMap { Int($0) } ?? fallback }
    let characters = int("chars", 20_000), repeats = max(1, int("repeats", 5))
    if let threads = option("threads", in: arguments).flatMap({ Int($0) }) { BLAS.threads = threads }
    let temperature = Float(option("temperature", in: arguments) ?? "0.8") ?? 0.8
    let strategy = try SamplingStrategy(temperature: temperature)

    var samplers: [CharSampler] = []
    if let directory = option("model", in: arguments) {
        samplers.append(try CharSampler(directory: URL(fileURLWithPath: directory)))
    } else {
        let cells = option("cell", in: arguments).map { [$0] } ?? ["lstm", "gru"]
        for name in cells {
            guard let cell = CellKind(rawValue: name) else { throw ModelError.invalidOption("--cell must be lstm, gru or rnn") }
            let configuration = CharModelConfiguration(
                vocabularySize: int("vocab", 65), cell: cell, layers: int("layers", 2), hiddenSize: int("hidden", 256),
                embeddingSize: int("embedding", 64), dropout: 0)
            var rng = SeededGenerator(seed: 1)
            let model = try CharLanguageModel(configuration, rng: &rng)
            // One single-character symbol per id: printable ASCII, then Latin-1 and beyond.
            let symbols = (0..<configuration.vocabularySize).map(benchmarkSymbol)
            samplers.append(CharSampler(model: model, vocabulary: try CharVocabulary(symbols: symbols)))
        }
    }
    for sampler in samplers {
        let c = sampler.model.configuration
        let prompt = sampler.vocabulary.symbols[0]
        var produced = 0
        var run: UInt64 = 0
        let seconds = try medianSeconds(warmup: 1, repeats: repeats) {
            run += 1
            produced = try sampler.generate(prompt: prompt, length: characters, strategy: strategy, seed: run)[0].characters.count
        }
        let rate = Double(produced) / seconds
        FileHandle.standardError.write(Data(String(
            format: "char sampling, batch 1, %d-layer %d-unit %@ (embedding %d, %d characters): %.0f chars/s (median of %d × %d)\n",
            c.layers, c.hiddenSize, c.cell.rawValue.uppercased(), c.embeddingSize, c.vocabularySize, rate, repeats,
            characters).utf8))
        emit(["bench": "char_sample_batch1", "cell": c.cell.rawValue, "layers": c.layers, "hidden": c.hiddenSize,
              "embedding": c.embeddingSize, "vocab": c.vocabularySize, "temperature": Double(temperature),
              "characters": characters, "chars_per_s": rate.rounded()])
        if let python = option("peer", in: arguments) {
            let script = option("peer-script", in: arguments) ?? "../shared/peers/peer_torch.py"
            let threads = int("peer-threads", 2)
            if let peer = runSamplingPeer(python: python, script: script, threads: threads, cell: c.cell.rawValue) {
                FileHandle.standardError.write(Data(String(
                    format: "torch (peer_torch.py, %d threads): %.0f chars/s; Loom %.1f× faster\n", threads, peer, rate / peer).utf8))
            }
        }
    }
}

/// Runs the PyTorch peer's sampling figure, echoes its JSON line and returns its characters per second.
private func runSamplingPeer(python: String, script: String, threads: Int, cell: String) -> Double? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = [script, "--which", "sample", "--threads", "\(threads)", "--cell", cell]
    let pipe = Pipe()
    process.standardOutput = pipe
    do {
        try process.run()
    } catch {
        FileHandle.standardError.write(Data("note: cannot run the peer \(python) \(script): \(error)\n".utf8))
        return nil
    }
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    for line in String(decoding: output, as: UTF8.self).split(separator: "\n") {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              object["bench"] as? String == "char_sample_batch1", let rate = object["chars_per_s"] as? Double else { continue }
        print(line)
        return rate
    }
    FileHandle.standardError.write(Data("note: the peer printed no char_sample_batch1 figure (exit \(process.terminationStatus))\n".utf8))
    return nil
}

/// A distinct single-character symbol for id `index`: printable ASCII, then Latin-1 letters and beyond.
private func benchmarkSymbol(_ index: Int) -> String {
    let value: UInt32 = index < 94 ? UInt32(0x21 + index) : UInt32(0xC0 + index - 94)
    return String(Character(Unicode.Scalar(value) ?? "?"))
}
