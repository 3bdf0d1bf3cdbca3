import ArgumentParser
import Foundation
import LoomModels
import LoomSystem
import LoomText

/// `loom vocab`: build and inspect word vocabularies.
struct VocabCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vocab",
        abstract: "Build and inspect word vocabularies.",
        discussion: """
        A vocabulary is a UTF-8 text file, one token a line; line 1 (id 0) is <pad>, \
        line 2 (id 1) is <unk>, then tokens by frequency (ties by code points), so \
        rebuilding from the same corpus gives the same file, byte for byte.

        Examples:
          loom vocab build corpora/demo-text.txt --max-size 2000 --out vocab/demo.txt
          loom vocab build ../shared/datasets/imdb/train.tsv --max-size 20000 --min-count 2 --out vocab/imdb.txt
          loom vocab stats --vocab vocab/imdb.txt ../shared/datasets/imdb/test.tsv
        """,
        subcommands: [Build.self, Stats.self]
    )
}

/// Options shared by the vocab subcommands: how corpora are read and tokenized.
struct CorpusReadingOptions: ParsableArguments {
    @Flag(help: "Replace invalid UTF-8 with U+FFFD (and report how many) instead of failing.")
    var lossy = false

    @Option(help: "For aclImdb folders with train/ and test/: the split to read (train or test).")
    var split: String = "train"

    @Flag(name: .customLong("keep-punctuation"), inversion: .prefixedNo,
          help: "Keep punctuation and symbols as tokens (as `sentiment train` does: \"!\" and \"?\" carry sentiment).")
    var keepPunctuation = true

    @Flag(help: "Do not case-fold (NFKC normalization only).")
    var noCaseFold = false

    func corpusOptions() throws -> CorpusOptions {
        guard let split = CorpusSplit(rawValue: split) else {
            throw UsageError(description: "--split must be train or test, not \(split)")
        }
        return CorpusOptions(split: split, lossy: lossy, labels: .any)
    }

    func tokenizer() throws -> Tokenizer {
        try Tokenizer(options: TokenizerOptions(caseFold: !noCaseFold, keepPunctuation: keepPunctuation))
    }

    /// Reads and counts every corpus, with progress on stderr when it is a terminal.
    func count(_ paths: [String]) throws -> TokenCounter {
        let options = try corpusOptions()
        let tokenizer = try tokenizer()
        let progress = Progress(enabled: Stderr.isTerminal)
        var counter = TokenCounter()
        var files = 0, bytes = 0, replacements = 0
        for path in paths {
            progress.show("reading \(path)…")
            let corpus = try TextCorpus.load(URL(fileURLWithPath: path), options: options)
            files += corpus.files
            bytes += corpus.bytes
            replacements += corpus.replacements
            let texts = corpus.texts
            let block = 4096
            for start in stride(from: 0, to: texts.count, by: block) {
                let part = Array(texts[start ..< min(start + block, texts.count)])
                counter.merge(TokenCounter.count(part, tokenizer: tokenizer))
                progress.show(String(format: "%@: %d/%d texts, %d files, %.1f MB read", path, min(start + block, texts.count), texts.count, files, Double(bytes) / 1e6))
            }
        }
        progress.finish()
        if replacements > 0 {
            Stderr.write("warning: replaced \(replacements) invalid UTF-8 sequence\(replacements == 1 ? "" : "s") with U+FFFD\n")
        }
        return counter
    }
}

/// A one-line progress display on stderr (only when enabled).
final class Progress {
    let enabled: Bool
    private var shown = false
    init(enabled: Bool) { self.enabled = enabled }
    func show(_ line: String) {
        guard enabled else { return }
        Stderr.write("\r\u{1B}[2K" + line)
        shown = true
    }
    func finish() {
        if enabled && shown { Stderr.write("\r\u{1B}[2K") }
    }
}

extension VocabCommand {
    struct Build: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build a vocabulary from one or more corpora.",
            discussion: """
            CORPUS may be an aclImdb folder (train/ and test/ with pos/ and neg/), a .tsv \
            (label<TAB>text or text<TAB>label), a .csv with a header (review,sentiment), or \
            a plain .txt file (one text a line). Labels are ignored.

            The file is written atomically: on any error, Ctrl-C or kill nothing is left at --out and no \
            temporary file beside it. --out may not be one of the corpora, and an existing file there is \
            replaced only when it is a vocabulary (it starts with <pad> and <unk>), unless --force.

            Example:
              loom vocab build corpora/demo-text.txt --max-size 2000 --out vocab/demo.txt
            """
        )

        @Argument(help: "Corpus files or folders.")
        var corpora: [String]

        @Option(help: "Most tokens in the vocabulary, including <pad> and <unk> (default: no limit; `sentiment train` keeps 10000).")
        var maxSize: Int?

        @Option(help: "Leave out tokens seen fewer times (`sentiment train` uses 3).")
        var minCount: Int = 1

        @Option(help: "Where to write the vocabulary, e.g. vocab/NAME.txt.")
        var out: String

        @Flag(help: "Replace an existing --out file even when it is not a vocabulary.")
        var force = false

        @OptionGroup var reading: CorpusReadingOptions

        @Flag(help: "Print the summary as JSON.")
        var json = false

        func validate() throws {
            if corpora.isEmpty { throw ValidationError("give at least one corpus") }
            if let maxSize, maxSize < 2 { throw ValidationError("--max-size must be at least 2 (<pad> and <unk>)") }
            if minCount < 1 { throw ValidationError("--min-count must be at least 1") }
        }

        private struct Summary: Encodable {
            var out: String, size: Int, tokens: Int, distinct: Int, texts: Int
        }

        /// An existing file at `url` must look like a vocabulary (first lines `<pad>` and `<unk>`).
        static func refuseNonVocabulary(_ url: URL) throws {
            guard FileManager.default.fileExists(atPath: url.path) else { return }
            let head = try? FolderSnapshot.readFile(url, limit: 1 << 30, regularOnly: true)
            if let head, head.starts(with: Data("<pad>\n<unk>\n".utf8)) || head.starts(with: Data("<pad>\r\n<unk>\r\n".utf8)) { return }
            throw ModelError.refusedOutput(url, reason: "a file that is not a vocabulary is there (it does not start with <pad> and <unk>); choose another --out, or --force to replace it")
        }

        func run() throws {
            try reportingErrors {
                let output = try OutputCheck.url(forPath: out)
                try OutputCheck(kind: nil, inputs: corpora.map { URL(commandLinePath: $0) }, force: force).check(output)
                if !force { try Self.refuseNonVocabulary(output) }
                let counter = try reading.count(corpora)
                let vocabulary = Vocabulary.build(counts: counter.counts, maxSize: maxSize, minCount: minCount)
                try vocabulary.write(to: output)
                let summary = Summary(out: out, size: vocabulary.count, tokens: counter.total, distinct: counter.counts.count, texts: counter.documents)
                if json {
                    print(try JSONOutput.line(summary))
                } else {
                    print("wrote \(out): \(summary.size) entries (<pad>, <unk> and \(summary.size - 2) tokens); counted \(summary.tokens) tokens, \(summary.distinct) distinct, in \(summary.texts) texts")
                }
            }
        }
    }

    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a vocabulary's size, its top tokens and its coverage of corpora.",
            discussion: """
            Coverage is the share of a corpus' tokens that have their own id (not <unk>), \
            with the corpus tokenized as for `vocab build` (same flags).

            Example:
              loom vocab stats --vocab vocab/demo.txt corpora/demo-text.txt
            """
        )

        @Option(help: "The vocabulary file.")
        var vocab: String

        @Argument(help: "Corpora to measure coverage on (optional).")
        var corpora: [String] = []

        @Option(help: "How many top tokens to list.")
        var top: Int = 10

        @OptionGroup var reading: CorpusReadingOptions

        @Flag(help: "Print JSON.")
        var json = false

        private struct Coverage: Encodable {
            var tokens: Int, known: Int, percent: Double, distinct: Int, distinctUnknown: Int
            var topUnknown: [String]
        }

        private struct Report: Encodable {
            var vocab: String, size: Int, top: [String], coverage: Coverage?
        }

        func run() throws {
            try reportingErrors {
                let vocabulary = try Vocabulary(contentsOf: URL(fileURLWithPath: vocab))
                let topTokens = Array(vocabulary.tokens.dropFirst(2).prefix(max(0, top)))
                var report = Report(vocab: vocab, size: vocabulary.count, top: topTokens, coverage: nil)
                if !corpora.isEmpty {
                    let counter = try reading.count(corpora)
                    let known = counter.counts.reduce(0) { $0 + (vocabulary.contains($1.key) ? $1.value : 0) }
                    let unknown = counter.counts.filter { !vocabulary.contains($0.key) }
                    let topUnknown = unknown.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
                        .prefix(max(0, top)).map(\.key)
                    report.coverage = Coverage(tokens: counter.total, known: known,
                                               percent: counter.total == 0 ? 0 : 100 * Double(known) / Double(counter.total),
                                               distinct: counter.counts.count, distinctUnknown: unknown.count, topUnknown: Array(topUnknown))
                }
                if json {
                    print(try JSONOutput.line(report))
                    return
                }
                print("vocabulary: \(vocab)")
                print("size: \(report.size) tokens (including <pad> and <unk>)")
                print("top tokens: \(report.top.joined(separator: " "))")
                if let coverage = report.coverage {
                    print(String(format: "coverage: %.2f%% of %d tokens (%d distinct, %d of them unknown)",
                                 coverage.percent, coverage.tokens, coverage.distinct, coverage.distinctUnknown))
                    print("top unknown: \(coverage.topUnknown.joined(separator: " "))")
                }
            }
        }
    }
}
