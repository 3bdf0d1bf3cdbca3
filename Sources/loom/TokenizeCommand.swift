import ArgumentParser
import Foundation
import LoomText

/// `loom tokenize`: shows how Loom splits text into word or character tokens.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Split text into word (or character) tokens, as Loom's models see it.",
        discussion: """
        Words: markup such as <br /> is removed and HTML entities (&amp; &quot; &#39;) \
        decoded, the text is NFKC case-folded and split with ICU's Unicode word-break \
        rules (dictionaries for Chinese, Japanese and Thai). Words, numbers, emoji, \
        emoticons (:) :-( <3 ^_^) and URLs (http://…, www.…) are kept; other punctuation \
        is dropped unless --keep-punctuation. Contractions stay whole ("didn't").

        Characters (--chars): grapheme clusters, or Unicode scalars with --scalars; the \
        text is not normalized.

        Without TEXT, standard input is read and tokenized line by line. Output: one \
        token a line (control characters escaped as \\n, \\t, \\u{HEX}), or with --json \
        one JSON object {"tokens":[…]} per input. With --vocab, each token's id is \
        shown too (token<TAB>id, or "ids":[…] in JSON).

        Examples:
          loom tokenize "I didn't like it.<br /><br />10/10 👍"
          loom tokenize "Loved it :) &amp; more at https://example.org/review?id=7."
          loom tokenize --keep-punctuation --no-case-fold "Hello, World!"
          loom tokenize --chars --scalars "e\\u{301}"
          loom tokenize --vocab vocab/demo.txt "The keeper wrote a log"
          cat review.txt | loom tokenize --json
        """
    )

    @Argument(help: "Text to tokenize (default: read standard input, line by line).")
    var text: String?

    @Flag(help: "Split into characters (grapheme clusters) instead of words.")
    var chars = false

    @Flag(help: "With --chars: split into Unicode scalars instead of grapheme clusters.")
    var scalars = false

    @Flag(help: "Keep punctuation and symbols as tokens.")
    var keepPunctuation = false

    @Flag(help: "Do not case-fold (NFKC normalization only).")
    var noCaseFold = false

    @Flag(help: "Do not remove markup tags such as <br /> (nor decode HTML entities).")
    var keepMarkup = false

    @Flag(help: "Split emoticons and URLs like other punctuation and leave HTML entities as they are (how models saved before these rules were tokenized).")
    var noWebText = false

    @Option(help: "A vocabulary file: also show each word token's id (unknown words → 1, <unk>).")
    var vocab: String?

    @Flag(help: "Print JSON: {\"tokens\":[…]} (and \"ids\" with --vocab) per input.")
    var json = false

    @Flag(help: "Replace invalid UTF-8 on stdin with U+FFFD instead of stopping with an error.")
    var lossy = false

    func run() throws {
        try reportingErrors {
            if scalars && !chars { throw UsageError(description: "--scalars needs --chars") }
            if vocab != nil && chars { throw UsageError(description: "--vocab is for word tokens; it cannot be combined with --chars") }
            let vocabulary = try vocab.map { try Vocabulary(contentsOf: URL(fileURLWithPath: $0)) }
            let split = try splitter()
            func emit(_ tokens: [String]) throws { try self.emit(tokens, ids: vocabulary?.encode(tokens)) }
            if let text {
                try emit(split(text))
            } else {
                var stream = LineStream(fileDescriptor: STDIN_FILENO, path: "stdin", lossy: lossy)
                while let lines = try stream.next() {
                    for line in lines { try emit(split(line.text)) }
                }
                if stream.replacements > 0 {
                    Stderr.write("warning: replaced \(stream.replacements) invalid UTF-8 sequence\(stream.replacements == 1 ? "" : "s") with U+FFFD (--lossy)\n")
                }
            }
        }
    }

    private func splitter() throws -> (String) -> [String] {
        if chars {
            let tokenizer = CharacterTokenizer(unit: scalars ? .scalars : .graphemes)
            return { tokenizer.tokenize($0) }
        }
        let options = TokenizerOptions(caseFold: !noCaseFold, keepPunctuation: keepPunctuation, stripMarkup: !keepMarkup,
                                       webText: !noWebText)
        let tokenizer = try Tokenizer(options: options)
        return { tokenizer.tokenize($0) }
    }

    private struct Output: Encodable { var tokens: [String]; var ids: [Int32]? }

    private func emit(_ tokens: [String], ids: [Int32]?) throws {
        if json {
            print(try JSONOutput.line(Output(tokens: tokens, ids: ids)))
        } else if let ids {
            for (token, id) in zip(tokens, ids) { print("\(CharVocabulary.escape(token))\t\(id)") }
        } else {
            for token in tokens { print(CharVocabulary.escape(token)) }
        }
    }
}
