import Foundation
import LoomText

/// `loom-bench tokenize [PATH] [--repeats N] [--threads T] [--max-size N] [--no-web-text]`
///
/// The Keras `Tokenizer.fit_on_texts` + `texts_to_sequences` equivalent on the IMDB
/// training reviews: tokenize and count every review, build a vocabulary (20,000 words,
/// like the peer's `num_words`), then tokenize and encode every review again. Reading the
/// file is not timed (as in the peer). Prints one JSON line with the median of N runs
/// (and the first, cold run). `mb` counts the reviews' UTF-8 bytes without the label
/// and line end; the peer's `mb` includes the line end (25,000 bytes more). `--no-web-text` measures
/// the tokenizer without its web-text rules (entities, emoticons, URLs), to see what they cost.
func runTokenizerBenchmark(arguments: [String]) throws {
    var path = "../shared/datasets/imdb/train.tsv"
    var repeats = 5, threads = ProcessInfo.processInfo.activeProcessorCount, maxSize = 20000
    var stages = false, webText = true
    var rest = arguments[...]
    while let argument = rest.popFirst() {
        switch argument {
        case "--repeats": repeats = Int(rest.popFirst() ?? "") ?? repeats
        case "--threads": threads = Int(rest.popFirst() ?? "") ?? threads
        case "--max-size": maxSize = Int(rest.popFirst() ?? "") ?? maxSize
        case "--stages": stages = true
        case "--no-web-text": webText = false
        default: path = argument
        }
    }
    let texts = try LabelledCorpus.read(URL(fileURLWithPath: path)).map(\.text)
    let megabytes = Double(texts.reduce(0) { $0 + $1.utf8.count }) / 1e6
    let tokenizer = try Tokenizer(options: TokenizerOptions(webText: webText))

    if stages { printStages(texts, tokenizer: tokenizer, threads: threads) }
    var fitTimes: [Double] = [], encodeTimes: [Double] = [], totals: [Double] = []
    var checksum = 0
    for _ in 0..<max(1, repeats) {
        let start = DispatchTime.now().uptimeNanoseconds
        let counter = TokenCounter.count(texts, tokenizer: tokenizer, threads: threads)
        let vocabulary = Vocabulary.build(counts: counter.counts, maxSize: maxSize, minCount: 1)
        let fitted = DispatchTime.now().uptimeNanoseconds
        let sequences = vocabulary.encode(texts: texts, tokenizer: tokenizer, threads: threads)
        let end = DispatchTime.now().uptimeNanoseconds
        checksum = sequences.reduce(0) { $0 + $1.count }
        fitTimes.append(Double(fitted - start) / 1e9)
        encodeTimes.append(Double(end - fitted) / 1e9)
        totals.append(Double(end - start) / 1e9)
    }
    func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
    let seconds = median(totals)
    let line = String(format: "{\"bench\":\"tokenize\",\"seconds\":%.4f,\"first_run_s\":%.4f,\"fit_s\":%.4f,\"to_sequences_s\":%.4f,\"mb\":%.2f,\"mb_per_s\":%.2f,\"reviews\":%d,\"tokens\":%d,\"threads\":%d,\"repeats\":%d,\"web_text\":%@,\"icu\":\"%@\"}",
                      seconds, totals[0], median(fitTimes), median(encodeTimes), megabytes, megabytes / seconds, texts.count, checksum, threads, repeats, webText ? "true" : "false", Tokenizer.icuVersion)
    print(line)
}

/// Time of the tokenizer alone (C pipeline, no strings) and with token strings, for profiling.
private func printStages(_ texts: [String], tokenizer: Tokenizer, threads: Int) {
    func time(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
    var tokens = 0
    let raw = time { for text in texts { tokenizer.forEachToken(in: text) { _ in tokens += 1 } } }
    let strings = time { for text in texts { tokens += tokenizer.tokenize(text).count } }
    let counting = time { _ = TokenCounter.count(texts, tokenizer: tokenizer, threads: 1) }
    let parallel = time { _ = TokenCounter.count(texts, tokenizer: tokenizer, threads: threads) }
    print(String(format: "{\"bench\":\"tokenize_stages\",\"c_pipeline_s\":%.4f,\"with_strings_s\":%.4f,\"count_1_thread_s\":%.4f,\"count_%d_threads_s\":%.4f}", raw, strings, counting, threads, parallel))
}
