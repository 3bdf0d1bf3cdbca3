import Foundation

/// One labelled text of a corpus.
public struct LabelledText: Sendable, Equatable {
    /// The text, as written (markup is left for the tokenizer to strip).
    public var text: String
    /// The canonical label (see `Labels`).
    public var label: String
    /// Where the text came from, for error messages: "file:line" or a file path.
    public var source: String
    /// The 1-based line in `source`'s file, when the file holds many texts.
    public var line: Int?

    public init(text: String, label: String, source: String, line: Int? = nil) {
        self.text = text
        self.label = label
        self.source = source
        self.line = line
    }
}

/// Which half of an aclImdb-style folder to read.
public enum CorpusSplit: String, Sendable, CaseIterable { case train, test }

/// Options for reading corpora.
public struct CorpusOptions: Sendable {
    /// For a folder with `train/` and `test/`: which one to read (default `train`).
    public var split: CorpusSplit
    /// Replace invalid UTF-8 with U+FFFD instead of failing.
    public var lossy: Bool
    /// Which labels are accepted.
    public var labels: LabelRule
    /// Delimited files: the field separator (default `,` for .csv, a tab for .tsv). Given, a file is read as a
    /// table with a header row whatever its extension.
    public var delimiter: UInt8?
    /// The header names of the text and label columns (or JSON Lines keys), instead of the usual names.
    public var textColumn: String?
    public var labelColumn: String?

    public init(split: CorpusSplit = .train, lossy: Bool = false, labels: LabelRule = .automatic, delimiter: UInt8? = nil,
                textColumn: String? = nil, labelColumn: String? = nil) {
        self.split = split
        self.lossy = lossy
        self.labels = labels
        self.delimiter = delimiter
        self.textColumn = textColumn
        self.labelColumn = labelColumn
    }

    /// Whether the options ask for a table with a header (a delimiter or a column name was given).
    var namesColumns: Bool { delimiter != nil || textColumn != nil || labelColumn != nil }
}

/// A corpus as read, with what a progress report or a `--lossy` summary needs.
public struct CorpusContents: Sendable {
    public var items: [LabelledText]
    /// Number of files read.
    public var files: Int
    /// Number of bytes read.
    public var bytes: Int
    /// Invalid UTF-8 sequences replaced with U+FFFD (only when reading lossily).
    public var replacements: Int
}

/// Reads labelled corpora in the layouts sentiment data comes in.
///
/// - A **folder** in the aclImdb layout: a root with `train/` and `test/` (the split in
///   `options.split` is read, `train` by default), or a split folder itself. Each
///   subfolder of the split is one class (`pos/`, `neg/`, or any names for multi-class);
///   `unsup/` (aclImdb's unlabelled reviews) and hidden folders are skipped; every
///   `*.txt` file is one text; files are read in name order.
/// - **.tsv**: `label<TAB>text` per line (../shared/datasets/imdb), or `text<TAB>label`
///   (UCI sentences, `sentence<TAB>0/1`); the orientation is taken from the first line
///   (label-first unless only the last field is a binary label). Blank lines are skipped.
/// - **.csv** with a header row (Kaggle's `review,sentiment`), RFC 4180 quoting: fields in
///   double quotes may hold commas, newlines and `""` for a quote. The text column is
///   the first named review/text/sentence/content/comment/body, the label column the first
///   named sentiment/label/class/polarity/category/target — or those `options` name; with a
///   `delimiter` (or a column name) any file is read this way.
/// - **.jsonl** / **.ndjson**: one JSON object per line, `{"text": …, "label": …}` (the Hugging Face
///   datasets convention; other keys with `textColumn`/`labelColumn`); a label may be a string or a
///   number. A bad line is an error naming the file and line.
///
/// Labels are decided for the whole corpus (`Labels.normalize`: binary ones become pos/neg, any others, star
/// ratings included, stay classes of their own); `options.labels` decides which are accepted.
public enum LabelledCorpus {
    /// The labelled texts of `url` (see the type's documentation for the layouts).
    public static func read(_ url: URL, options: CorpusOptions = .init()) throws -> [LabelledText] {
        try load(url, options: options).items
    }

    /// Like `read`, also reporting files, bytes and U+FFFD replacements.
    public static func load(_ url: URL, options: CorpusOptions = .init()) throws -> CorpusContents {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw TextError.fileNotFound(path: url.path)
        }
        var contents: CorpusContents
        if isFolder.boolValue {
            contents = try FolderCorpus.read(url, options: options)
        } else {
            let format = url.pathExtension.lowercased()
            switch format {
            case "jsonl", "ndjson": contents = try JSONLinesCorpus.read(url, options: options)
            case _ where options.namesColumns:
                var options = options
                if options.delimiter == nil { options.delimiter = format == "tsv" || format == "tab" ? 0x09 : 0x2C }
                contents = try CSVCorpus.read(url, options: options)
            case "tsv", "tab": contents = try TSVCorpus.read(url, options: options)
            case "csv": contents = try CSVCorpus.read(url, options: options)
            default:
                // UCI's files are .txt but tab-separated: accept any file whose first line has a tab.
                let file = try TextFile.read(url, lossy: options.lossy)
                guard file.text.utf8.prefix(while: { $0 != 0x0A }).contains(0x09) else {
                    throw TextError.unsupportedFormat(path: url.path)
                }
                contents = try TSVCorpus.parse(file, path: url.path, bytes: file.text.utf8.count, options: options)
            }
        }
        if contents.items.isEmpty { throw TextError.emptyCorpus(path: url.path) }
        try Labels.normalize(&contents.items, path: url.path)
        try options.labels.check(contents.items, path: url.path)
        return contents
    }
}
