import Foundation

/// Every error LoomText reports for user input: files, corpora, vocabularies, text.
///
/// Each case carries where the problem is (file, line, byte offset) so that the
/// description tells a user exactly what to fix. `description` is one line, prefixed
/// with `path:line:` in the style of compilers.
public enum TextError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file or folder does not exist.
    case fileNotFound(path: String)
    /// The file or folder exists but cannot be read (permissions, I/O error).
    case unreadable(path: String, reason: String)
    /// The file is not valid UTF-8; `byteOffset` is the first bad byte (0-based), `line` 1-based.
    case invalidUTF8(path: String, byteOffset: Int, line: Int)
    /// A vocabulary file is not valid UTF-8 (no `--lossy` for these: a damaged vocabulary cannot be guessed).
    case invalidUTF8InVocabulary(path: String, byteOffset: Int, line: Int)
    /// A TSV line has no tab separating label and text.
    case missingTab(path: String, line: Int)
    /// A labelled line or row has an empty label.
    case emptyLabel(path: String, line: Int)
    /// A labelled line or row has an empty text.
    case emptyText(path: String, line: Int)
    /// A label outside the binary set in a corpus whose other labels are binary.
    case unknownLabel(path: String, line: Int, label: String)
    /// A CSV quoted field is never closed; `line` is where the quote opened.
    case unterminatedQuote(path: String, line: Int)
    /// A CSV row has a different number of fields than the header.
    case fieldCount(path: String, line: Int, expected: Int, found: Int)
    /// Numeric labels mixed with words in one corpus.
    case mixedLabels(path: String, line: Int, label: String, first: String)
    /// A JSON Lines record is not an object with a text and a label.
    case badRecord(path: String, line: Int, reason: String)
    /// The CSV header names no text or no label column.
    case missingColumn(path: String, header: [String], wanted: String)
    /// The corpus holds no texts at all.
    case emptyCorpus(path: String)
    /// A folder corpus has no class subfolders (such as pos/ and neg/).
    case noClassFolders(path: String)
    /// The file extension is not one LoomText reads.
    case unsupportedFormat(path: String)
    /// A vocabulary lists the same token twice.
    case duplicateToken(path: String?, line: Int, token: String, firstLine: Int)
    /// A vocabulary does not start with `<pad>` (line 1) and `<unk>` (line 2).
    case missingSpecialToken(path: String?, line: Int, expected: String, found: String?)
    /// A vocabulary token is empty or contains a line break.
    case invalidToken(path: String?, line: Int, reason: String)
    /// A character vocabulary line has a bad escape sequence.
    case invalidEscape(path: String?, line: Int, text: String)
    /// Text to encode holds characters that the character vocabulary does not know.
    case unknownCharacters([String])
    /// Writing a file failed; nothing was left at the destination.
    case writeFailed(path: String, reason: String)
    /// ICU reported a failure (out of memory, missing data).
    case icu(function: String, code: String)

    public var description: String {
        switch self {
        case let .fileNotFound(path):
            return "\(path): no such file or folder"
        case let .unreadable(path, reason):
            return "\(path): cannot read: \(reason)"
        case let .invalidUTF8(path, offset, line):
            return "\(path):\(line): invalid UTF-8 at byte offset \(offset); convert the file to UTF-8 or pass --lossy to replace bad bytes with U+FFFD"
        case let .invalidUTF8InVocabulary(path, offset, line):
            return "\(path):\(line): invalid UTF-8 at byte offset \(offset); the vocabulary file is damaged: rebuild it with `loom vocab build` (or retrain the model)"
        case let .missingTab(path, line):
            return "\(path):\(line): no tab on this line; TSV lines must be label<TAB>text (or text<TAB>label)"
        case let .emptyLabel(path, line):
            return "\(path):\(line): empty label"
        case let .emptyText(path, line):
            return "\(path):\(line): empty text"
        case let .unknownLabel(path, line, label):
            return "\(path):\(line): unknown label \"\(label)\"; the other labels in this corpus are binary (pos/neg, positive/negative, 1/0)"
        case let .unterminatedQuote(path, line):
            return "\(path):\(line): quoted field opened here is never closed (a field starting with \" must end with \"; write \"\" for a quote inside)"
        case let .fieldCount(path, line, expected, found):
            return "\(path):\(line): \(found) fields, but the header has \(expected)"
        case let .mixedLabels(path, line, label, first):
            return "\(path):\(line): label \"\(label)\" mixes with labels like \"\(first)\": a corpus's labels must be all numbers (ratings) or all names; check the label column"
        case let .badRecord(path, line, reason):
            return "\(path):\(line): \(reason); each line must be {\"text\": …, \"label\": …}"
        case let .missingColumn(path, header, wanted):
            return "\(path):1: no \(wanted) column in header [\(header.joined(separator: ", "))]"
        case let .emptyCorpus(path):
            return "\(path): corpus holds no texts"
        case let .noClassFolders(path):
            return "\(path): no class folders; expected the aclImdb layout (train/ and test/ with pos/ and neg/ inside) or a folder with one subfolder per class"
        case let .unsupportedFormat(path):
            return "\(path): not a labelled corpus; use an aclImdb folder, a .tsv (or tab-separated .txt) with label<TAB>text, or a .csv with a header row"
        case let .duplicateToken(path, line, token, firstLine):
            return "\(Self.prefix(path, line))duplicate token \"\(token)\" (first on line \(firstLine))"
        case let .missingSpecialToken(path, line, expected, found):
            let got = found.map { "\"\($0)\"" } ?? "end of file"
            return "\(Self.prefix(path, line))expected \"\(expected)\" on line \(line), found \(got); a vocabulary starts with <pad> and <unk>"
        case let .invalidToken(path, line, reason):
            return "\(Self.prefix(path, line))invalid token: \(reason)"
        case let .invalidEscape(path, line, text):
            return "\(Self.prefix(path, line))invalid escape in \"\(text)\"; use \\n, \\r, \\t, \\\\ or \\u{HEX}"
        case let .unknownCharacters(characters):
            let shown = characters.prefix(20).map { CharVocabulary.escape($0) }.joined(separator: " ")
            let more = characters.count > 20 ? " and \(characters.count - 20) more" : ""
            return "characters not in the character vocabulary: \(shown)\(more)"
        case let .writeFailed(path, reason):
            return "\(path): cannot write: \(reason)"
        case let .icu(function, code):
            return "ICU \(function) failed: \(code)"
        }
    }

    private static func prefix(_ path: String?, _ line: Int) -> String {
        "\(path ?? "vocabulary"):\(line): "
    }
}
