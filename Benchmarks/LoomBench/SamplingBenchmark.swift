import Foundation
import LoomModels
import LoomNN
import LoomTensor
import LoomText

/// `loom-bench sample`: characters per second of batch-1 sampling from a character model (by default a
/// randomly initialised 2-layer 256-unit LSTM, embedding 64, 65 characters: the shape of the PyTorch peer),
/// through the same path `loom sample` uses (prompt, step, temperature sampling, per-character
/// log-probability). With `--peer PYTHON` it runs `peer_torch.py --which sample` in the same run and prints
/// both figures side by side.
///
/// Options: --chars N (20000) --repeats R (5) --cell lstm|gru|rnn --layers L (2) --hidden H (256)
/// --embedding E (64) --vocab V (65) --temperature T (0.8) --threads N (BLAS threads; default: as loaded)
/// --model DIR (a trained model instead of random weights) --peer PYTHON --peer-script PATH
/// (default ../shared/peers/peer_torch.py) --peer-threads N (2).
func runSamplingBenchmark(arguments: [String]) {
    var options: [String: String] = [:]
    var index = 0
    while index < arguments.count {
        let name = arguments[index]
        guard name.hasPrefix("--"), index + 1 < arguments.count else {
            FileHandle.standardError.write(Data("error: expected --option value pairs, got \(name)\n".utf8))
            exit(2)
        }
        options[String(name.dropFirst(2))] = arguments[index + 1]
        index += 2
    }
    func int(_ key: String, _ fallback: Int) -> Int { options[key].flatMap { Int($0) } ?? fallback }
    let characters = int("chars", 20_000), repeats = max(1, int("repeats", 5))
    if let threads = options["threads"].flatMap({ Int($0) }) { BLAS.threads = threads }
    print(BLAS.summary)

    let sampler: CharSampler
    do {
        if let directory = options["model"] {
            sampler = try CharSampler(directory: URL(fileURLWithPath: directory))
        } else {
            let cell = CellKind(rawValue: options["cell"] ?? "lstm") ?? .lstm
            let configuration = CharModelConfiguration(
                vocabularySize: int("vocab", 65), cell: cell, layers: int("layers", 2), hiddenSize: int("hidden", 256),
                embeddingSize: int("embedding", 64), dropout: 0)
            var rng = SeededGenerator(seed: 1)
            let model = try CharLanguageModel(configuration, rng: &rng)
            let symbols = (0..<configuration.vocabularySize).map { String(UnicodeScalar(UInt8(33 + $0 % 94))) + ($0 >= 94 ? "\($0)" : "") }
            sampler = CharSampler(model: model, vocabulary: try CharVocabulary(symbols: symbols))
        }
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        exit(1)
    }
    let c = sampler.model.configuration
    let shape = "\(c.layers)-layer \(c.hiddenSize)-unit \(c.cell.rawValue.uppercased()), embedding \(c.embeddingSize), \(c.vocabularySize) characters"
    let temperature = Float(options["temperature"] ?? "0.8") ?? 0.8
    do {
        let strategy = try SamplingStrategy(temperature: temperature)
        let prompt = sampler.vocabulary.symbols[0]
        _ = try sampler.generate(prompt: prompt, length: min(characters, 2000), strategy: strategy, seed: 0)
        var rates: [Double] = []
        for run in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            let samples = try sampler.generate(prompt: prompt, length: characters, strategy: strategy, seed: UInt64(run))
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            rates.append(Double(samples[0].characters.count) / seconds)
        }
        rates.sort()
        let median = rates[rates.count / 2]
        print(String(format: "loom  char sampling, batch 1, %@: %.0f chars/s (median of %d × %d characters, temperature %.2g; min %.0f, max %.0f)",
                     shape, median, repeats, characters, temperature, rates.first!, rates.last!))
        print("{\"framework\": \"loom\", \"bench\": \"char_sample_batch1\", \"layers\": \(c.layers), \"hidden\": \(c.hiddenSize), \"cell\": \"\(c.cell.rawValue)\", \"chars_per_s\": \(Int(median)), \"blas_threads\": \(BLAS.threads), \"blas_core\": \"\(BLAS.coreName)\"}")
        if let python = options["peer"] {
            let script = options["peer-script"] ?? "../shared/peers/peer_torch.py"
            if let peer = runPeer(python: python, script: script, threads: int("peer-threads", 2), cell: c.cell.rawValue) {
                print(String(format: "torch char sampling, batch 1 (peer_torch.py, %d threads): %.0f chars/s; Loom is %.1f× faster",
                             int("peer-threads", 2), peer, median / peer))
            }
        }
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        exit(1)
    }
}

/// Runs the PyTorch peer's sampling figure and returns its characters per second, or nil (with a note).
private func runPeer(python: String, script: String, threads: Int, cell: String) -> Double? {
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
